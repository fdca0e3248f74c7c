import { type Made, type MadeKind, madeText, readMade } from '../core/formReceipts.js';
import type { Db } from '../db/connect.js';
import type { MessageRow } from '../db/schema.js';
import { claimFormKey, receiptOf, setReceipt } from '../repositories/formReceipts.js';
import { findMessageById } from '../repositories/messages.js';
import { findTicketsByIntakeKeys } from '../repositories/tickets.js';

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

/**
 * The ticket a customer's message sent before with `formKey` went to (the status page's form sent
 * twice: a double click, Back and Send): the ticket it was added to, or the follow-up it opened
 * (whose request key is the form key). Null when the key has made nothing yet, or made it from
 * another text (the form was changed before it was sent again: a new message).
 */
export async function ticketOfMessageSentBefore(trx: Db, formKey: string, body: string): Promise<number | null> {
  const message = await messageSentBefore(trx, formKey, body);
  if (message) return message.ticket_id;
  const [followUp] = await findTicketsByIntakeKeys(trx, [formKey]);
  return followUp?.description === body ? followUp.id : null;
}

/** The message a post with `formKey` added, when its text is `body` (another text: the form was changed, a new message). */
export async function messageSentBefore(trx: Db, formKey: string, body: string): Promise<MessageRow | undefined> {
  const made = readMade((await receiptOf(trx, formKey)) ?? '', 'message');
  const message = made ? await findMessageById(trx, made.id) : undefined;
  return message?.body === body ? message : undefined;
}

/** Keeps `formKey`'s receipt for a customer's message just added (none when the key is already taken, by another text). */
export async function keepMessageReceipt(trx: Db, formKey: string, messageId: number, now: number): Promise<void> {
  if (await claimFormKey(trx, formKey, now)) await setReceipt(trx, formKey, madeText({ kind: 'message', id: messageId }));
}
