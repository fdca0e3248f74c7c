/** What the outbox worker learned of the mail server (one row, id 1; core/mailSize.ts). */
import type { Db } from '../db/connect.js';

/** The SIZE the mail server advertised when last asked; null when it advertised none or was never asked. */
export async function advertisedMessageSize(db: Db): Promise<number | null> {
  const row = await db.selectFrom('mail_server').select('max_message_bytes').where('id', '=', 1).executeTakeFirst();
  return row?.max_message_bytes ?? null;
}

/** Records what the mail server advertised (null: no SIZE, or SIZE without a limit). */
export async function recordAdvertisedMessageSize(db: Db, bytes: number | null, now: number): Promise<void> {
  await db
    .insertInto('mail_server')
    .values({ id: 1, max_message_bytes: bytes, checked_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ max_message_bytes: bytes, checked_at: now }))
    .execute();
}
