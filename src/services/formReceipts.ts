import { type Made, type MadeKind, madeText, readMade } from '../core/formReceipts.js';
import type { Db } from '../db/connect.js';
import { claimFormKey, receiptOf, setReceipt } from '../repositories/formReceipts.js';

/** What a keyed form's post did: made the thing, or found its key used and made nothing (`again`: what the first post made; null if not of this kind). */
export type Keyed<T> = { made: T } | { again: Made | null };

/**
 * Runs `make` inside `trx` unless `formKey` was posted before (core/formReceipts.ts): the key's
 * receipt is written in the same transaction as the thing, so it is made once however often, and
 * however close together, the form is sent. No key (a client that sends none): made each time.
 */
export async function oncePerFormKey<T extends { id: number }>(trx: Db, formKey: string | null, kind: MadeKind, now: number, make: () => Promise<T>): Promise<Keyed<T>> {
  if (formKey === null) return { made: await make() };
  if (!(await claimFormKey(trx, formKey, now))) return { again: readMade((await receiptOf(trx, formKey)) ?? '', kind) };
  const made = await make();
  await setReceipt(trx, formKey, madeText({ kind, id: made.id }));
  return { made };
}
