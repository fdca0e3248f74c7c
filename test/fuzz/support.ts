/**
 * Inputs that try to break things, and what every answer to them must look like (issue 6 point 5):
 * a success or a 4xx with a clear message, never a 5xx and never a stack trace; and the ticket
 * tables always agree with each other (nothing half-written).
 */
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
