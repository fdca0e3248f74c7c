/**
 * Conversations (SPEC §9): staff replies and notes, customer messages, follow-ups. Each message is
 * written in one transaction with what follows from it: the ticket's `waiting_on` and
 * `first_response_at`, its attachments, and the customer's `reply` email (the outbox). Reply and
 * close runs inside the routing transaction with R4, so the customer gets one email, not two.
 *
 * Messages on one ticket are serialised by the ticket's row (lockTicketForMessage), so the stale
 * check and the closed check are made on what is committed.
 */
import {
  checkMayWrite,
  followUpTitle,
  openFollowUp,
  isStale,
  SEEN_NOT_ON_TICKET,
  seenOffThread,
  type StaffMessageInput,
  waitingOnAfter,
  type Writer,
} from '../core/conversation.js';
import { attachedToMail, attachmentRoom, DEFAULT_MAIL_MAX_MESSAGE_MB, MAIL_MEGABYTE, mailMessageLimit } from '../core/mailSize.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { customerAttachmentPath } from '../http/links.js';
import { messageEndsPendingClose } from '../core/pendingClose.js';
import { instantAfterLock } from '../core/sla.js';
import { referenceOf } from '../core/tickets.js';
import type { Db } from '../db/connect.js';
import type { AttachmentRow, MessageChannel, MessageRow, TicketRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { renderReply } from '../mail/templates/index.js';
import { attachmentsOfMessages, type IncomingFile, storeAttachments } from '../repositories/attachments.js';
import { type InboundRecord, insertInboundMails } from '../repositories/inbound.js';
import { findMessageById, insertMessage, newestPublicMessageId, publicHistory } from '../repositories/messages.js';
import { advertisedMessageSize } from '../repositories/mailServer.js';
import { enqueueEmail } from '../repositories/outbox.js';
import { clearPendingClose } from '../repositories/pendingCloses.js';
import { findTicketById, findTicketByToken, findTicketsByIntakeKeys, followUpsOf, lockTicketForMessage, recordMessageOnTicket } from '../repositories/tickets.js';
import { findUserById } from '../repositories/users.js';
import { ccsOfTickets } from '../repositories/ticketCcs.js';
import { type CcPerson, copiedAuthorName } from '../core/mailCc.js';
import { addCopiedPeople, ccOfTicketEmail, type MailCcs } from './ticketCcs.js';
import { keepMessageReceipt, messageSentBefore, ticketOfMessageSentBefore } from './formReceipts.js';
import { messageChange, type ServiceContext } from './context.js';
import { mailSite, ticketMailData } from './notifications.js';
import { lockTicketInRun, withRouting } from './routing.js';
import { moveClocksOnMessage } from './slaClocks.js';
import { enqueueWebhooks } from './webhooks.js';
import { closeInRun, type CreatedTicket, createTickets, FollowUpOpen } from './tickets.js';
import { actingAs, type RequestOrigin } from './audit.js';

/** How many earlier public messages a reply email quotes (§9). */
export const QUOTED_HISTORY = 3;

/** A staff message as the page or the API hands it in. */
export interface StaffMessage extends StaffMessageInput {
  channel: MessageChannel;
  files?: readonly IncomingFile[];
  /**
   * The ticket page form's one-time key (core/formReceipts.ts formKeyOf): the same text sent again
   * with it (a double click on Send) is not posted again; the first post's message is answered.
   */
  formKey?: string | null;
}

export interface PostedMessage {
  message: MessageRow;
  attachments: AttachmentRow[];
  /** Reply and close: whether this call closed the ticket. */
  closed: boolean;
  /** The same form was sent before (`formKey`): `message` is what that post wrote; nothing was written now. */
  sentBefore?: true;
}

/** A reply held back (§9 collision): the public message the writer had not seen. */
export class StaleReply extends DomainError {
  constructor(readonly newestPublicId: number) {
    super('stale', 'The customer (or a colleague) wrote since you opened this ticket. Read the new message; send again to confirm your reply.');
  }
}

/**
 * Writes a staff reply or note on a ticket (§9). Refused, with nothing written: a writer who may
 * not (403), a reply to a closed ticket (409 `conflict`), a reply on a stale view (409 `stale`,
 * StaleReply). A reply is emailed to the customer; with `close` it also runs R4 in the same
 * transaction and that one email says the ticket is closed.
 */
export async function postStaffMessage(ctx: ServiceContext, writer: Writer & RequestOrigin, ticketId: number, input: StaffMessage): Promise<PostedMessage> {
  let posted: PostedMessage;
  let ticketAfter: TicketRow;
  if (input.kind === 'reply' && input.close) {
    posted = await withRouting(ctx, actingAs(writer), async (run) => {
      // The reply and the close are stamped after the row's lock, never before a breach recorded meanwhile.
      const ticket = await lockTicketInRun(run, ticketId);
      if (!ticket) throw notFound('Ticket');
      const before = await staffMessageSentBefore(run.trx, ticket, input);
      if (before) return before;
      const result = await writeStaffMessage(run.trx, ctx, writer, ticket, input, run.now, true);
      result.closed = await closeInRun(run, writer, ticket, { emailCustomer: false });
      ticketAfter = ticket;
      return result;
    });
  } else {
    posted = await inTransaction(ctx.handle, async (trx) => {
      const ticket = await lockedTicket(trx, ticketId);
      ticketAfter = ticket;
      return (await staffMessageSentBefore(trx, ticket, input)) ?? writeStaffMessage(trx, ctx, writer, ticket, input, instantAfterLock(ctx.clock.now(), ticket), false);
    });
  }
  if (!posted.sentBefore) ctx.onChanges?.([messageChange(ticketAfter!)]);
  return posted;
}

/** The message a post of the same staff form wrote before (after the ticket's lock, so a post at once waits for it), as posted; null: none. */
async function staffMessageSentBefore(trx: Db, ticket: TicketRow, input: StaffMessage): Promise<PostedMessage | null> {
  const message = input.formKey ? await messageSentBefore(trx, input.formKey, input.body) : undefined;
  if (message?.ticket_id !== ticket.id) return null;
  return { message, attachments: await attachmentsOfMessages(trx, [message.id]), closed: input.kind === 'reply' && input.close === true && ticket.status === 'closed', sentBefore: true };
}

async function lockedTicket(trx: Db, ticketId: number): Promise<TicketRow> {
  const ticket = await lockTicketForMessage(trx, ticketId);
  if (!ticket) throw notFound('Ticket');
  return ticket;
}

async function writeStaffMessage(trx: Db, ctx: ServiceContext, writer: Writer, ticket: TicketRow, input: StaffMessage, now: number, closing: boolean): Promise<PostedMessage> {
  checkMayWrite(writer, { status: ticket.status, agentId: ticket.agent_id }, input.kind);
  const seenMessage = input.kind === 'reply' && input.seen !== null ? await findMessageById(trx, input.seen) : undefined;
  if (seenOffThread(input.kind, input.seen, seenMessage?.ticket_id ?? null, ticket.id)) throw invalidInput({ seen: SEEN_NOT_ON_TICKET });
  if (input.kind === 'reply') {
    const newest = await newestPublicMessageId(trx, ticket.id, { written: true });
    if (isStale(input.kind, input.seen, newest)) throw new StaleReply(newest!);
  }
  const author = await findUserById(trx, writer.id);
  const message = await insertMessage(trx, {
    ticket_id: ticket.id,
    kind: input.kind,
    author_id: writer.id,
    author_name: author?.display_name ?? 'Support',
    body: input.body,
    channel: input.channel,
    created_at: now,
  });
  const attachments = await storeAttachments(trx, message.id, ticket.id, input.files ?? [], now);
  if (input.formKey) await keepMessageReceipt(trx, input.formKey, message.id, now);
  await enqueueWebhooks(trx, ctx.publicUrl, now, [{ event: 'message.created', ticketId: ticket.id, message: { message, username: author?.username ?? null, attachments } }]);
  const waitingOn = closing ? null : waitingOnAfter(input.kind, ticket.waiting_on, ticket.status);
  if (input.kind === 'reply') await moveClocksOnMessage(ctx.handle, trx, ticket, closing ? 'closing_reply' : 'public_reply', now);
  await recordMessageOnTicket(trx, ticket.id, waitingOn, input.kind === 'reply' ? now : null);
  if (input.kind === 'reply') await enqueueReplyEmail(trx, ctx, ticket, message, attachments, closing);
  return { message, attachments, closed: false };
}

/**
 * The customer's `reply` email (§9): the reply, its writer, up to three earlier public messages,
 * and its files: those the mail server takes in one email attached by the worker, the others linked
 * (core/mailSize.ts). The room for files is the server's advertised SIZE (else MAIL_MAX_MESSAGE_MB)
 * less the email's text parts and headers, kept on the row so the worker attaches the very files
 * its text does not link.
 */
async function enqueueReplyEmail(trx: Db, ctx: ServiceContext, ticket: TicketRow, message: MessageRow, files: readonly AttachmentRow[], closed: boolean): Promise<void> {
  const [data, history, advertised] = await Promise.all([
    mailSite(ctx.handle, trx, ctx.publicUrl).then((site) => ticketMailData(trx, ticket, site)),
    publicHistory(trx, ticket.id, message.id, QUOTED_HISTORY),
    advertisedMessageSize(trx),
  ]);
  const render = (linked: readonly AttachmentRow[]) =>
    renderReply({
      ...data,
      writerName: message.author_name,
      body: message.body,
      history: history.map((m) => ({ authorName: m.author_name, createdAt: m.created_at, body: m.body })),
      closed,
      linkedFiles: linked.map((f) => ({ filename: f.filename, size: f.size, url: `${ctx.publicUrl}${customerAttachmentPath(ticket.token, f)}` })),
    });
  const plain = render([]);
  // A linked file's lines are within what each file is counted for (core/mailSize.ts FILE_PART_BYTES).
  const limit = mailMessageLimit(advertised, ctx.mailMaxMessageBytes ?? DEFAULT_MAIL_MAX_MESSAGE_MB * MAIL_MEGABYTE);
  const room = attachmentRoom(limit, Buffer.byteLength(plain.text) + Buffer.byteLength(plain.html));
  const linked = notAttached(files, room);
  const content = linked.length === 0 ? plain : render(linked);
  const cc = await ccOfTicketEmail(trx, 'reply', ticket);
  await enqueueEmail(trx, { ticketId: ticket.id, kind: 'reply', to: ticket.customer_email, toName: ticket.customer_name, cc, content, now: message.created_at, messageId: message.id, attachmentRoom: room });
}

/**
 * The files of a reply its email links instead of attaching (the worker attaches the others). In
 * upload order (by id), as the worker reads them: a RETURNING's row order is not promised.
 */
function notAttached(files: readonly AttachmentRow[], room: number): AttachmentRow[] {
  const ordered = [...files].sort((a, b) => a.id - b.id);
  const attached = attachedToMail(ordered.map((f) => f.size), room);
  return ordered.filter((_, i) => !attached[i]);
}

/** What the customer's message became. */
export type CustomerMessageResult =
  | { kind: 'appended'; ticket: TicketRow; message: MessageRow; attachments: AttachmentRow[] }
  | { kind: 'follow_up'; ticket: TicketRow; followUp: TicketRow }
  /** The request was closed and had an open follow-up: the message went onto that (§9, openFollowUp). */
  | { kind: 'added_to_follow_up'; ticket: TicketRow; followUp: TicketRow; message: MessageRow; attachments: AttachmentRow[] }
  /** An automatic message, or a copied person's, for a ticket closed meanwhile: not shown, nothing changed. */
  | { kind: 'not_shown'; ticket: TicketRow }
  /** The same form (its key and text) was sent before: nothing changed; `on` is the ticket the message went to (this one or its follow-up). */
  | { kind: 'sent_before'; ticket: TicketRow; on: TicketRow };

export interface CustomerMessage {
  body: string;
  channel: MessageChannel;
  files?: readonly IncomingFile[];
  /** An automatic mail (auto-reply) shown on its ticket (§10 rule 3): it changes nobody's turn, never opens a follow-up. */
  automatic?: boolean;
  /**
   * The mail it came from (§10): its inbound log row for what the message became, written in the
   * same transaction (the log's unique key refuses a mail handled before, rolling the message
   * back); its key is kept on the message.
   */
  mail?: (became: 'appended' | 'follow_up') => InboundRecord;
  /** The customer's mail copied people (§10 Cc): the new ones join the ticket (or its follow-up). */
  ccs?: MailCcs;
  /** A copied person wrote it (§10 Cc), not the customer: shown as its writer. */
  copiedWriter?: CcPerson;
  /**
   * The status page form's one-time key (core/formReceipts.ts formKeyOf): the same text sent again
   * with it is not posted again (`sent_before`), on the request or on the follow-up it opened.
   */
  formKey?: string | null;
}

/**
 * A customer's message to the ticket behind a status token (§9). Open ticket: appended, waiting on
 * the agent again, the agent hears it live. Closed ticket: onto its follow-up while one is open,
 * else a follow-up ticket is created (R1, the previous agent first when it has room and nobody
 * waits); the closed ticket never changes (I1).
 */
export async function postCustomerMessage(ctx: ServiceContext, token: string, input: CustomerMessage): Promise<CustomerMessageResult> {
  const found = await findTicketByToken(ctx.handle.db, token);
  if (!found) throw notFound('Ticket');
  return postCustomerMessageOn(ctx, found.id, input);
}

/** postCustomerMessage for a ticket known by id (the email channel finds tickets by thread). */
export async function postCustomerMessageOn(ctx: ServiceContext, ticketId: number, input: CustomerMessage): Promise<CustomerMessageResult> {
  const formKey = input.formKey ?? null;
  const appended = await inTransaction(ctx.handle, async (trx) => {
    const ticket = await lockedTicket(trx, ticketId);
    // After the lock: a post of the same form waits here for the first one's commit, then finds it.
    const sentOn = formKey === null ? null : await ticketOfMessageSentBefore(trx, formKey, input.body);
    if (sentOn !== null) return { kind: 'sent_before' as const, ticket, on: sentOn === ticket.id ? ticket : (await findTicketById(trx, sentOn))! };
    if (ticket.status === 'closed') return { kind: 'closed' as const, ticket };
    const now = ctx.clock.now();
    const record = input.mail?.('appended');
    const message = await insertMessage(trx, {
      ticket_id: ticket.id,
      kind: 'customer',
      author_id: null,
      author_name: input.copiedWriter ? copiedAuthorName(input.copiedWriter) : ticket.customer_name,
      body: input.body,
      channel: input.channel,
      automatic: input.automatic ? 1 : 0,
      created_at: now,
      mail_key: record?.mail_key ?? null,
    });
    const attachments = await storeAttachments(trx, message.id, ticket.id, input.files ?? [], now);
    if (formKey !== null) await keepMessageReceipt(trx, formKey, message.id, now);
    await enqueueWebhooks(trx, ctx.publicUrl, now, [{ event: 'message.created', ticketId: ticket.id, message: { message, username: null, attachments } }]);
    if (record) await insertInboundMails(trx, [{ ...record, ticket_id: ticket.id }]);
    if (input.ccs) await addCopiedPeople(trx, ticket, input.ccs, now);
    if (!input.automatic) {
      await moveClocksOnMessage(ctx.handle, trx, ticket, 'customer_message', now);
      await recordMessageOnTicket(trx, ticket.id, waitingOnAfter('customer', ticket.waiting_on, ticket.status), null);
    }
    // A close the agent asked for before this message was there no longer stands (core/pendingClose.ts).
    const endsClose = messageEndsPendingClose(ticket, { kind: 'customer', automatic: input.automatic === true });
    if (endsClose) await clearPendingClose(trx, ticket.id);
    const after = { ...ticket, waiting_on: input.automatic ? ticket.waiting_on : ('agent' as const), ...(endsClose ? { close_due_at: null, close_requested_by: null } : {}) };
    return { kind: 'appended' as const, ticket: after, message, attachments };
  });
  if (appended.kind === 'sent_before') return appended;
  if (appended.kind === 'appended') {
    ctx.onChanges?.([messageChange(appended.ticket)]);
    return appended;
  }
  const closed = appended.ticket;
  // A copied person's answer (§10 Cc) to a ticket an agent closed since the email channel found it
  // open: a follow-up is the customer's to open, so none is opened in the customer's name with
  // someone else's words. The channel reads its rules again and the mail opens a ticket of its own.
  if (input.automatic || input.copiedWriter) return { kind: 'not_shown', ticket: closed };
  const open = openFollowUp(await followUpsOf(ctx.handle.db, closed.id));
  if (open) return onOpenFollowUp(ctx, closed, open.id, input);
  const followUpInput = {
    name: closed.customer_name,
    email: closed.customer_email,
    title: followUpTitle(closed.title),
    description: input.body,
    priority: closed.priority,
    channel: input.channel,
    files: input.files,
    followUpOf: { id: closed.id, agentId: closed.agent_id, teamId: closed.team_id },
    // A follow-up keeps the topic (so the team and skills) of the request it follows.
    topicId: closed.topic_id,
    // The form's key as its request key: the same form sent again finds the follow-up it opened.
    ...(formKey !== null && (await findTicketsByIntakeKeys(ctx.handle.db, [formKey])).length === 0 ? { intakeKey: formKey } : {}),
    mail: input.mail?.('follow_up'),
    // A follow-up keeps the people the closed ticket copied, and adds the mail's new ones.
    ccs: { recipients: [...((await ccsOfTickets(ctx.handle.db, [closed.id])).get(closed.id) ?? []), ...(input.ccs?.recipients ?? [])], own: input.ccs?.own ?? [] },
  };
  let followUp: CreatedTicket | undefined;
  try {
    [followUp] = await createTickets(ctx, [followUpInput]);
  } catch (error) {
    // Another message opened one meanwhile: this one goes onto it.
    if (error instanceof FollowUpOpen) return onOpenFollowUp(ctx, closed, error.followUpId, input);
    throw error;
  }
  return { kind: 'follow_up', ticket: closed, followUp: followUp! };
}

/** A customer's message to a closed ticket, onto its open follow-up `followUpId` (if that closed meanwhile, it is followed up in turn). */
async function onOpenFollowUp(ctx: ServiceContext, closed: TicketRow, followUpId: number, input: CustomerMessage): Promise<CustomerMessageResult> {
  const note = `${referenceOf(closed.id)} was closed: added to its open follow-up ${referenceOf(followUpId)}.`;
  const mail = input.mail;
  const onFollowUp = await postCustomerMessageOn(ctx, followUpId, { ...input, ...(mail ? { mail: (became) => (became === 'appended' ? { ...mail(became), reason: note } : mail(became)) } : {}) });
  return onFollowUp.kind === 'appended' ? { ...onFollowUp, kind: 'added_to_follow_up', ticket: closed, followUp: onFollowUp.ticket } : onFollowUp;
}

/** `HD-<id>` of a follow-up's original, or null. */
export function followUpReference(ticket: Pick<TicketRow, 'follow_up_of'>): string | null {
  return ticket.follow_up_of === null ? null : referenceOf(ticket.follow_up_of);
}
