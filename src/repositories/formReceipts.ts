import type { Db } from '../db/connect.js';
import { FORM_RECEIPT_KEPT_MS } from '../core/formReceipts.js';

/**
 * Claims a form key inside the transaction that will make the form's thing: true when this post is
 * the first with it (its receipt written, `made` to be set by setReceipt before the commit), false
 * when another post has it. A second post while the first is still open waits for it (PostgreSQL:
 * the key's unique index; SQLite: one writer at a time), so two posts at once make one thing.
 * Receipts older than a day go on the way.
 */
export async function claimFormKey(trx: Db, key: string, now: number): Promise<boolean> {
  await trx.deleteFrom('form_receipts').where('created_at', '<', now - FORM_RECEIPT_KEPT_MS).execute();
  const claimed = await trx
    .insertInto('form_receipts')
    .values({ form_key: key, made: '', created_at: now })
    .onConflict((oc) => oc.column('form_key').doNothing())
    .returning('form_key')
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Names what the post that claimed `key` made. */
export async function setReceipt(trx: Db, key: string, made: string): Promise<void> {
  await trx.updateTable('form_receipts').set({ made }).where('form_key', '=', key).execute();
}

/** What the first post with `key` made ('' while it is not committed; undefined: no such key). */
export async function receiptOf(db: Db, key: string): Promise<string | undefined> {
  return (await db.selectFrom('form_receipts').select('made').where('form_key', '=', key).executeTakeFirst())?.made;
}
