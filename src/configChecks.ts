/**
 * The checks the configuration's keys share (config.ts): rate limits, URLs of this site and of the
 * servers it talks to, mailboxes. Each either passes a value or names what is wrong in words for the
 * one-line start-up error.
 */
import { z } from 'zod';
import { parseMailbox } from './core/mailboxes.js';
import { formatLimit, type Limit, parseLimit } from './http/rateLimits.js';

/** Digits only: what a numeric setting is read from (`Number()` also takes `0x10`, `1e3`, ` 80`, `+80`). */
const PLAIN_WHOLE = /^[0-9]+$/;
const PLAIN_DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/**
 * A whole-number setting, written in plain decimal digits, from `min` to `max`; `unit` names what it
 * counts in the message, `minWords` says what the least value means where that is not obvious.
 */
export function wholeNumberSetting(min: number, max: number, fallback: number, unit?: string, minWords?: string) {
  const message = `must be a whole number${unit ? ` of ${unit}` : ''} from ${min}${minWords ? ` (${minWords})` : ''} to ${max}`;
  return z
    .string()
    .default(String(fallback))
    .transform((raw, ctx) => {
      const value = PLAIN_WHOLE.test(raw) ? Number(raw) : NaN;
      if (value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });
}

/** A setting that may have a fraction (`0.5`), in plain decimal digits; `fits` says whether its value is in range. */
export function decimalSetting(fits: (value: number) => boolean, message: string, fallback: number) {
  return z
    .string()
    .default(String(fallback))
    .transform((raw, ctx) => {
      const value = PLAIN_DECIMAL.test(raw) ? Number(raw) : NaN;
      if (fits(value)) return value;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    });
}

/** A `count/duration` rate limit such as `10/1m`. */
export function limitSetting(fallback: Limit) {
  return z
    .string()
    .default(formatLimit(fallback))
    .transform((raw, ctx) => {
      const limit = parseLimit(raw);
      if (!limit) ctx.addIssue({ code: 'custom', message: 'must be a count and a duration such as 10/1m' });
      return limit ?? fallback;
    });
}

/**
 * A URL setting's check: http(s), with a host; `loopbackHttpOnly`: plain http only for this
 * machine; `path`: the URL's path must be this one.
 */
export function urlProblem(message: string, loopbackHttpOnly: boolean, path?: string) {
  return (value: string | undefined, ctx: z.RefinementCtx) => {
    if (value === undefined) return;
    let url: URL | null = null;
    try {
      url = new URL(value);
    } catch {
      url = null;
    }
    const loopback = url !== null && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    const schemeOk = url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && (!loopbackHttpOnly || loopback)));
    // URL() would quietly %-encode a space (a pasted `https://help.example.com/ x`), and `?`/`#` would
    // put every path appended to the URL into a query or a fragment.
    const odd = /\s/.test(value) || value.includes('?') || value.includes('#');
    if (!url || odd || !schemeOk || url.username !== '' || url.password !== '' || (path !== undefined && url.pathname !== path)) ctx.addIssue({ code: 'custom', message });
  };
}

/**
 * A mailbox setting (MAIL_FROM, MAIL_REPLY_TO): one address, optionally with a display name, trimmed.
 * Anything else would make a broken From: or Reply-To: header on every email, so it stops start-up.
 */
export function mailboxSetting() {
  return z
    .string()
    .trim()
    .refine((v) => parseMailbox(v) !== null, 'must be one email address, optionally with a name: Support <help@example.com>');
}

/**
 * Whether a server's URL (DATABASE_URL's postgres://, SMTP_URL) parses and names a host, or, for
 * PostgreSQL, a socket folder as `?host=/var/run/postgresql`.
 */
export function hostUrlReadable(value: string): boolean {
  try {
    const url = new URL(value);
    return url.hostname !== '' || (/^postgres/.test(url.protocol) && (url.searchParams.get('host') ?? '') !== '');
  } catch {
    return false;
  }
}
