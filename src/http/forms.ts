import type { FastifyReply } from 'fastify';
import type { FormValues } from '../views/components.js';

/** A urlencoded form body as a plain record; anything else (no body, JSON array) is empty. */
export function formBody(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** The user's values to put back into a re-rendered form (strings only, never the password). */
export function keptValues(body: Record<string, unknown>, names: readonly string[]): FormValues {
  const values: FormValues = {};
  for (const name of names) {
    const value = body[name];
    if (typeof value === 'string') values[name] = value;
  }
  return values;
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

const SAME_SITE = 'http://same-site.invalid';

/**
 * A same-site path to go back to after login; anything else falls back. The path is read the way a
 * browser reads a Location header (it drops tabs and line breaks and takes `\` for `/`, so
 * `/<TAB>/evil.example` means `//evil.example`), kept only if it stays on this site, and given back
 * re-encoded, so it is also always a valid header value.
 */
export function safeNext(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(raw, SAME_SITE);
  } catch {
    // Not a URL at all: there is nothing to go back to.
    return fallback;
  }
  // `/.//evil.example` is same-site for the parser but `//evil.example` once its dot is gone.
  if (url.origin !== SAME_SITE || url.pathname.startsWith('//')) return fallback;
  return url.pathname + url.search + url.hash;
}
