/**
 * One-time form keys (migration 2026-12-15T0900-form-receipts): a form whose answer shows something
 * once (a webhook endpoint's secret, a new API token) is the answer to its own POST, so a reload or
 * Back-and-send posts it again. The form carries a key; the first post with it makes the thing and
 * writes a receipt naming what it made, the next ones make nothing and are led to it. A customer's
 * message on the status page is kept the same way (a double click on Send posts it once).
 */

/** The form field that carries the key. */
export const FORM_KEY_FIELD = 'form_key';

/** How long a key is remembered: a reload a day later makes a second one (the page said so long ago). */
export const FORM_RECEIPT_KEPT_MS = 24 * 60 * 60 * 1000;

/** What a keyed form makes. */
export type MadeKind = 'webhook' | 'token' | 'message';

export interface Made {
  kind: MadeKind;
  id: number;
}

/** A key as the pages hand them out: 16 random bytes in base64url (22 characters). Anything else is no key. */
export function formKeyOf(raw: unknown): string | null {
  return typeof raw === 'string' && /^[A-Za-z0-9_-]{22}$/.test(raw) ? raw : null;
}

/** A receipt's `made` text. */
export function madeText(made: Made): string {
  return `${made.kind}:${made.id}`;
}

/** A receipt's `made` read back; null when it is not of `kind` (a key posted to another form). */
export function readMade(text: string, kind: MadeKind): Made | null {
  const match = /^([a-z]+):([1-9][0-9]*)$/.exec(text);
  return match && match[1] === kind ? { kind, id: Number(match[2]) } : null;
}
