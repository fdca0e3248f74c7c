/**
 * Canned replies (§9): admins keep named texts at /adminapp/replies/; agents pick one into the reply
 * box. Placeholders are filled when a message is sent, so what is stored and emailed is the filled
 * text. Names are unique in any letter case ("Refund" and "refund" would be the same to a reader).
 */
import { labelMessage } from '../core/fieldErrors.js';
import { CANNED_REPLY_LABELS, fillPlaceholders, maySee, type PlaceholderValues, type StaffMessageInput, validateCannedReply, validateStaffMessage, type Writer } from '../core/conversation.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { parseId, referenceOf } from '../core/tickets.js';
import { isUniqueViolation } from '../core/writeErrors.js';
import { showsNothing } from '../core/unicode.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { cannedReplyNamed, deleteCannedReply, findCannedReply, insertCannedReply, updateCannedReply } from '../repositories/cannedReplies.js';
import { findTicketById } from '../repositories/tickets.js';
import { findUserById } from '../repositories/users.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';
import { statusUrl } from './notifications.js';

const nameTaken = () => new DomainError('conflict', 'A canned reply with this name exists already.', { name: labelMessage(CANNED_REPLY_LABELS.name!, 'This name is taken: choose another one.') });

/**
 * Checks and saves a canned reply: `id` null creates one (returns its id), else changes that one
 * (404 when it is gone). A name in use (any letter case) is a 409 with the field's message.
 */
export async function saveCannedReply(ctx: ServiceContext, id: number | null, raw: Record<string, unknown>, by: Acting): Promise<number> {
  const input = validateCannedReply(raw);
  try {
    return await inTransaction(ctx.handle, async (trx) => {
      if ((await cannedReplyNamed(trx, input.name, id)) !== undefined) throw nameTaken();
      const row = { ...input, now: ctx.clock.now() };
      const before = id === null ? undefined : await findCannedReply(trx, id);
      if (id !== null && !before) throw notFound('Canned reply');
      const savedId = id === null ? await insertCannedReply(trx, row) : id;
      if (id !== null) await updateCannedReply(trx, id, row);
      await auditBy(trx, by, row.now, id === null ? 'canned_reply.create' : 'canned_reply.update', `canned_reply:${savedId}`, { before: before && { name: before.name, body: before.body }, after: input });
      return savedId;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** Deletes a canned reply; false when it was already gone. Messages sent with it keep their text. */
export async function removeCannedReply(ctx: ServiceContext, id: number, by: Acting): Promise<boolean> {
  return inTransaction(ctx.handle, async (trx) => {
    const before = await findCannedReply(trx, id);
    if (!before || !(await deleteCannedReply(trx, id))) return false;
    await auditBy(trx, by, ctx.clock.now(), 'canned_reply.delete', `canned_reply:${id}`, { before: { name: before.name, body: before.body } });
    return true;
  });
}

/** What the placeholders stand for on this ticket, written by this staff member. */
async function placeholderValues(db: Db, ctx: ServiceContext, ticket: TicketRow, writer: Writer): Promise<PlaceholderValues> {
  const author = await findUserById(db, writer.id);
  return {
    customer_name: ticket.customer_name,
    reference: referenceOf(ticket.id),
    agent_name: author?.display_name ?? 'Support',
    status_url: statusUrl(ctx.publicUrl, ticket.token),
  };
}

/**
 * Turns the staff ticket form (`body`, `kind`, `close`, `seen`, `canned`) into a checked message
 * for postStaffMessage. An empty `body` (or one that shows nothing: showsNothing) with a chosen
 * `canned` reply sends that reply's text (the form without JavaScript); a typed body wins over the
 * choice (a script has already put the text into the box). Placeholders in the text are filled here, at send time. A ticket the writer may
 * not see is a 404, as everywhere a staff member looks for one; bad input a 400 per field.
 */
export async function composeStaffMessage(ctx: ServiceContext, writer: Writer, ticketId: number, raw: Record<string, unknown>): Promise<StaffMessageInput> {
  const db = ctx.handle.db;
  const ticket = await findTicketById(db, ticketId);
  if (!ticket || !maySee(writer, { status: ticket.status, agentId: ticket.agent_id })) throw notFound('Ticket');
  let body = raw.body;
  const cannedRaw = typeof raw.canned === 'string' ? raw.canned.trim() : '';
  if ((typeof body !== 'string' || showsNothing(body)) && cannedRaw !== '') {
    const cannedId = parseId(cannedRaw);
    const canned = cannedId === null ? undefined : await findCannedReply(db, cannedId);
    if (!canned) throw invalidInput({ canned: labelMessage('Canned reply', 'This canned reply no longer exists: choose another one or write the message.') });
    body = canned.body;
  }
  if (typeof body === 'string') body = fillPlaceholders(body, await placeholderValues(db, ctx, ticket, writer));
  return validateStaffMessage({ ...raw, body });
}
