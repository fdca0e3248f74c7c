/**
 * Inputs that try to break things, and what every answer to them must look like (issue 6 point 5):
 * a success or a 4xx with a clear message, never a 5xx and never a stack trace; and the ticket
 * tables always agree with each other (nothing half-written).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { counts } from '../support/snapshot.js';

/** FUZZ_RUNS=10 runs ten times as many inputs; FUZZ_SEED replays a run. */
export const RUNS_FACTOR = Number(process.env.FUZZ_RUNS ?? 1);
export const SEED = Number(process.env.FUZZ_SEED ?? 20261127);

/** Inputs counted per test file, for the README's figures. */
export const tried = { inputs: 0 };

export function runs(n: number): { numRuns: number; seed: number; endOnFailure: true } {
  return { numRuns: Math.max(1, Math.round(n * RUNS_FACTOR)), seed: SEED, endOnFailure: true };
}

/** Strings known to have broken software somewhere. */
export const NASTY: readonly string[] = [
  '',
  ' ',
  '\t',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uFEFFbom',
  '\u202Eevil\u202C',
  'e\u0301\u0301\u0301',
  '💥🔥👩‍👩‍👧‍👦',
  '𝕳𝖊𝖑𝖕',
  'Ünïcödé ÆØÅ',
  '\r\nBcc: victim@evil.test',
  'line1\nline2\r\nline3',
  '\u0085next line',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "javascript:alert('x')",
  "' OR '1'='1",
  "'; drop table tickets; --",
  '" OR ""="',
  '%',
  '_',
  '\\',
  '%00',
  '%%',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'toString',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  '9007199254740993',
  '0x10',
  'HIGH',
  'hIgH',
  'low ',
  'available',
  'AWAY',
  'admin',
  'agent',
  'alice',
  '1h30m',
  '0s',
  '45s',
  '2d',
  'carla@example.com',
  'a@b.co',
  'x'.repeat(101),
  'x'.repeat(201),
  'x'.repeat(10_001),
  'HD-1',
  'hd-2',
  'HD-999999999999999',
  '2026-02-30',
  'yes',
];

/** Any string: random, any Unicode, graphemes, long, or one of the nasty ones. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 150, maxLength: 12_000 }) },
);

/** A form field: absent (undefined), one value, or the field repeated. */
export const formValue: fc.Arbitrary<string | string[] | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: anyText },
  { weight: 1, arbitrary: fc.array(anyText, { minLength: 2, maxLength: 3 }) },
);

/** Extra fields nobody asked for, including names that matter to JavaScript objects. */
export const extraFields: fc.Arbitrary<Record<string, string>> = fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'id', 'status', 'agent_id', 'role'), fc.string({ minLength: 1, maxLength: 12 })), anyText, { maxKeys: 3 });

/**
 * A form: each named field either kept from `valid` (so that successes happen too), or replaced by
 * anything; plus extra fields.
 */
export function formOf(valid: Record<string, string>): fc.Arbitrary<Record<string, string | string[]>> {
  const fields = Object.fromEntries(Object.entries(valid).map(([name, value]) => [name, fc.oneof({ weight: 2, arbitrary: fc.constant<string | string[] | undefined>(value) }, { weight: 3, arbitrary: formValue })]));
  return fc.tuple(fc.record(fields), extraFields).map(([form, extra]) => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(extra)) out[k] = v;
    for (const [k, v] of Object.entries(form)) if (v !== undefined) out[k] = v;
    return out;
  });
}

/** Any JSON value, including wrong types where strings are expected. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, -0) },
  { weight: 1, arbitrary: fc.array(anyText, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 5 }), anyText, { maxKeys: 2 }) },
);

/** A JSON object: the valid one's fields kept, replaced, or removed, and extra ones. */
export function jsonOf(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(Object.entries(valid).map(([name, value]) => [name, fc.oneof({ weight: 2, arbitrary: fc.constant(value) }, { weight: 3, arbitrary: anyJson }, { weight: 1, arbitrary: fc.constant(undefined) })]));
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.record(fields), fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 })).map(([body, extra]) => ({ ...extra, ...body })) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** What any answer must be: no 5xx, no stack trace, and a 4xx says what is wrong. */
export function expectClearAnswer(label: string, response: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  expect(response.statusCode, `${label}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.body, label).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)|node_modules|\/src\/[\w/]+\.ts/);
  if (response.statusCode < 400) return;
  const type = String(response.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) {
    const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
    expect(body.error?.code, label).toEqual(expect.any(String));
    expect(String(body.error?.message ?? '').length, `${label}: a message`).toBeGreaterThan(5);
  } else {
    expect(type, label).toMatch(/^text\/html/);
    // A re-rendered form names its bad fields in an alert; any other refusal is an error page.
    expect(/role="alert"|class="error-page"/.test(response.body), `${label}: a message a person can read`).toBe(true);
  }
}

/** Nothing half-written: one `created` event and one `created` email per ticket, always. */
export async function expectTicketTablesAgree(db: Db, label: string): Promise<void> {
  const c = await counts(db);
  expect({ events: c.created, emails: c.createdEmails }, label).toEqual({ events: c.tickets, emails: c.tickets });
}

/** Lone surrogates become U+FFFD, as they do on the way into UTF-8 bytes (what a client sends). */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Every table a message, a ticket, a file or a canned reply writes to: "nothing written" is these unchanged. */
const WRITTEN = ['tickets', 'ticket_events', 'messages', 'outbox', 'files', 'attachments', 'canned_replies'] as const;

export async function writeCounts(db: Db): Promise<Record<(typeof WRITTEN)[number], number>> {
  const entries = await Promise.all(WRITTEN.map(async (table) => [table, Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n)] as const));
  return Object.fromEntries(entries) as Record<(typeof WRITTEN)[number], number>;
}

/** One part of a multipart body, as sent: a text field (no filename) or a file. */
export interface RawPart {
  name: string;
  filename?: string;
  /** The file name as an RFC 5987 `filename*` (UTF-8, percent-encoded) rather than a quoted string. */
  extended?: boolean;
  contentType?: string;
  content: Buffer;
}

/** Ways a multipart body can be broken on the wire. */
export type Breakage = { kind: 'none' } | { kind: 'cut'; at: number } | { kind: 'no-final-boundary' } | { kind: 'other-boundary' } | { kind: 'no-boundary' } | { kind: 'garbage-first'; text: string };

/** A file name needs `filename*` when a quoted string cannot carry it as it is. */
const needsExtended = (name: string) => /["\\\r\n]/.test(name);

/** A multipart/form-data body built byte by byte, broken as asked. */
export function rawMultipart(parts: readonly RawPart[], breakage: Breakage = { kind: 'none' }): { body: Buffer; contentType: string; complete: boolean } {
  const boundary = 'fuzz-7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  if (breakage.kind === 'garbage-first') chunks.push(Buffer.from(breakage.text));
  for (const part of parts) {
    let disposition = `form-data; name="${part.name.replace(/["\r\n\\]/g, '_')}"`;
    if (part.filename !== undefined) {
      disposition += part.extended || needsExtended(part.filename) ? `; filename*=utf-8''${encodeURIComponent(wellFormed(part.filename))}` : `; filename="${part.filename}"`;
    }
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType.replace(/[\r\n]/g, ' ')}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), part.content, Buffer.from('\r\n'));
  }
  if (breakage.kind !== 'no-final-boundary') chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const whole = Buffer.concat(chunks);
  const body = breakage.kind === 'cut' ? whole.subarray(0, Math.floor(breakage.at * whole.length)) : whole;
  const declared = breakage.kind === 'other-boundary' ? 'not-the-boundary' : boundary;
  // Still a complete body: nothing broken but garbage before it, or a cut that takes only the line
  // break after the close delimiter (`--boundary--` ends the body; what follows is epilogue).
  const complete = breakage.kind === 'none' || breakage.kind === 'garbage-first' || (breakage.kind === 'cut' && body.length >= whole.length - 2);
  return { body, contentType: breakage.kind === 'no-boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${declared}`, complete };
}

/** File names that break things: paths, controls, bidi overrides, huge, empty, any Unicode. */
export const anyFilename: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('report.pdf', 'screenshot.png', 'notes.txt', 'Ünïcödé résumé.docx', '日本語のファイル.txt', '💥.bin', 'a b.c', '.hidden', 'noextension', 'page.html. ', 'pic.SVG', 'x.htm') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '.', '..', '../../etc/passwd', '..\\..\\boot.ini', 'C:\\x\\y.txt', '/abs.txt', 'a/b.txt', 'nul\u0000.txt', 'tab\t.txt', 'bell\u0007.txt', 'del\u007f.txt', 'c1\u0085.txt', 'report\u202Efdp.exe', 'quote".txt', 'back\\slash.txt', 'semi;colon.txt', 'pct%41.txt', 'new\r\nline.txt') },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(255), `${'y'.repeat(251)}.txt`, 'z'.repeat(256), '😀'.repeat(255), '😀'.repeat(256), 'w'.repeat(5000)) },
  { weight: 2, arbitrary: anyText.map((s) => s.slice(0, 300)) },
);

/** Declared types, the refused ones among them, and nonsense. */
export const anyContentType: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(undefined, 'application/octet-stream', 'image/png', 'text/plain; charset=utf-8', 'application/pdf', 'text/html', 'TEXT/HTML; x=1', 'image/svg+xml', 'application/xhtml+xml', '', 'nonsense', ';;;', 'image/png; name="a\\"b"'),
  fc.string({ maxLength: 40 }),
);

/** A file part: mostly in `attachments`, sometimes elsewhere; small random contents. */
export const anyFilePart: fc.Arbitrary<RawPart> = fc.record({
  name: fc.oneof({ weight: 6, arbitrary: fc.constant('attachments') }, { weight: 1, arbitrary: fc.constantFrom('attachment', 'Attachments', 'file', '', '_csrf', 'body') }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  filename: anyFilename,
  extended: fc.boolean(),
  contentType: anyContentType,
  content: fc.oneof({ weight: 1, arbitrary: fc.constant(new Uint8Array(0)) }, { weight: 4, arbitrary: fc.uint8Array({ maxLength: 3000 }) }).map((bytes) => Buffer.from(bytes)),
});

/** A text field as a multipart part (every value of a repeated one). */
export function fieldParts(form: Record<string, string | string[]>): RawPart[] {
  return Object.entries(form).flatMap(([name, value]) => [value].flat().map((one) => ({ name, content: Buffer.from(one) })));
}

/** How the body is broken, mostly not at all. */
export const anyBreakage: fc.Arbitrary<Breakage> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Breakage>({ kind: 'none' }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map<Breakage>((at) => ({ kind: 'cut', at })) },
  { weight: 1, arbitrary: fc.constantFrom<Breakage>({ kind: 'no-final-boundary' }, { kind: 'other-boundary' }, { kind: 'no-boundary' }) },
  { weight: 1, arbitrary: anyText.map<Breakage>((text) => ({ kind: 'garbage-first', text })) },
);

/**
 * The parts a parser that follows RFC 2046 sees in a body built by rawMultipart: all of them,
 * except that garbage sent first which does not end with a line break leaves the first delimiter
 * off the start of a line, so the first part is read as the preamble (ignored) with the garbage.
 */
export function partsSeen<T extends RawPart>(parts: readonly T[], breakage: Breakage): readonly T[] {
  const swallowed = breakage.kind === 'garbage-first' && breakage.text !== '' && !breakage.text.endsWith('\r\n');
  return swallowed ? parts.slice(1) : parts;
}

/**
 * The files a well-formed body carries, as the app should store them: `attachments` parts, an empty
 * unnamed one being no file. Known limit of the parser (@fastify/busboy): a part whose `filename*`
 * decodes to a line break is dropped whole, never seen by the app (browsers send `%0A` in a quoted
 * name instead, so only a hand-made client meets it).
 */
export function sentFiles(parts: readonly RawPart[]): { filename: string; sha256: string }[] {
  return parts
    .filter((p) => p.name === 'attachments' && p.filename !== undefined && !(p.filename === '' && p.content.length === 0) && !/[\r\n]/.test(p.filename))
    .map((p) => ({ filename: wellFormed(p.filename!), sha256: createHash('sha256').update(p.content).digest('hex') }));
}
