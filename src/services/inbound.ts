/**
 * The email channel's one pipeline (SPEC §10): IMAP, POST /api/v1/inbound/email and
 * `npm run mail:ingest` all hand a raw message to `ingestMail`, which reads it, asks the database
 * what the rules need, lets src/core/inbound.ts decide, and writes the result.
 *
 * Exactly once, however often a mail arrives and however many processes handle it at the same
 * moment:
 * - The mail is recorded under its key (Message-ID, else raw hash; unique) before anything else,
 *   with no result yet. A mail whose key is recorded with a result is a `duplicate`.
 * - What a mail changes is keyed by it too: its message carries the key (messages.mail_key,
 *   unique), and the ticket it opens has a request key made from it (tickets.intake_key, unique).
 *   So a second process handling the same mail, or a retry after a crash between the change and
 *   its result being written, finds the change already made and only writes the result.
 * - The result is written once (`where result is null`).
 * A failure of the database leaves the mail recorded without a result and throws: the source keeps
 * the mail (IMAP leaves it in the inbox, HTTP answers 503, the pipe exits 75) and it is handled
 * again later, completing what was begun.
 */
import { createHash } from 'node:crypto';
import {
  answeredTicket,
  automaticReason,
  decideInbound,
  type InboundDecision,
  type InboundResult,
  isBounce,
  keptMailFiles,
  leftFilesNote,
  mailFilename,
  mailKeyOf,
  rejectedBeforeRules,
  subjectTicketId,
  threadText,
  ticketFromMail,
} from '../core/inbound.js';
import { referenceOf } from '../core/tickets.js';
import type { InboundMailRow, InboundSource } from '../db/schema.js';
import { type ParsedMail, headerField, headerMessageId, headerOf, parseMail } from '../mail/inbound/parse.js';
import { messageIdFor, parseOwnMessageId } from '../mail/message.js';
import type { IncomingFile } from '../repositories/attachments.js';
import {
  claimInboundMail,
  countTicketsFromSender,
  finishInboundMail,
  markEmailsBounced,
  messageOfMail,
  namedTickets,
  outboxRowsByIds,
  ticketsOfMailKeys,
} from '../repositories/inbound.js';
import { loadSettings } from '../repositories/settings.js';
import type { ServiceContext } from './context.js';
import { postCustomerMessageOn } from './conversation.js';
import type { TicketIntake } from './intake.js';

/** What the channel needs to know besides the mail. */
export interface InboundSetting {
  /** MAIL_FROM: our Message-IDs end in its domain (rule 1, and the bounces' quoted ids). */
  mailFrom: string;
  /** INBOUND_MAX_BYTES. */
  maxBytes: number;
  /** INBOUND_TICKETS_PER_HOUR. */
  ticketsPerHour: number;
}

/** What became of a mail (the answer of POST /api/v1/inbound/email). */
export interface InboundOutcome {
  result: InboundResult;
  /** The ticket it created, was added to, followed up or was shown on; null otherwise. */
  ticketId: number | null;
  reason: string | null;
  /** Its row in the inbound log. */
  mailId: number;
}

/** The configuration's defaults (MAIL_FROM, INBOUND_MAX_BYTES, INBOUND_TICKETS_PER_HOUR). */
export const DEFAULT_INBOUND_SETTING: InboundSetting = { mailFrom: 'Helpdesk <helpdesk@localhost>', maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 };

const HOUR_MS = 60 * 60 * 1000;

/** Rule 1's answer: the same however often, and however large, our own mail comes back. */
const OWN_MAIL = { result: 'ignored', reason: 'Our own mail came back (its Message-ID is one this help desk generated).', ticketId: null } as const;

/** A follow-up's or new ticket's request key for a mail (tickets.intake_key, ≤ 64 characters). */
export function mailIntakeKey(mailKey: string): string {
  return `mail:${createHash('sha256').update(mailKey).digest('base64url')}`;
}

/** Handles one received mail (see the header). Throws only when the database fails. */
export async function ingestMail(ctx: ServiceContext, intake: TicketIntake, setting: InboundSetting, raw: Buffer, source: InboundSource): Promise<InboundOutcome> {
  if (raw.length > setting.maxBytes) return recordTooLarge(ctx, setting, raw, source);
  const mail = await parseMail(raw);
  const key = mailKeyOf(mail.messageId, mail.sha256);
  const now = ctx.clock.now();
  const { mail: row, inserted } = await claimInboundMail(ctx.handle.db, {
    mail_key: key,
    source,
    from_address: (mail.from?.address ?? '').toLowerCase().slice(0, 320),
    from_name: (mail.from?.name ?? '').slice(0, 200),
    subject: mail.subject.slice(0, 1000),
    result: null,
    reason: null,
    ticket_id: null,
    size: raw.length,
    raw,
    received_at: now,
    handled_at: null,
  });
  // Rule 1 comes before rule 2: our own mail is `ignored` however often it comes back.
  if (await isOwnMail(ctx, setting, mail.messageId)) {
    return finish(ctx, row, OWN_MAIL);
  }
  if (!inserted && row.result !== null) return { result: 'duplicate', ticketId: row.ticket_id, reason: 'This mail was received before.', mailId: row.id };

  const refused = rejectedBeforeRules(raw.length, setting.maxBytes, mail.from?.address ?? null);
  if (refused !== null) return finish(ctx, row, { result: 'rejected', reason: refused, ticketId: null });

  // Handled before, up to its change, by a process that stopped (or is still writing its result).
  const done = await messageOfMail(ctx.handle.db, key);
  if (done) return finish(ctx, row, { result: resultOfMessage(done), reason: null, ticketId: done.ticket_id });

  const decision = decideInbound({
    ownMail: false,
    seenBefore: false,
    automatic: automaticReason(mail.headers),
    bounce: isBounce(mail.contentType, mail.from!.address),
    answers: answeredTicket(await ticketsNamedBy(ctx, setting, mail), mail.from!.address),
    senderTicketsLastHour: await countTicketsFromSender(ctx.handle.db, mail.from!.address, now - HOUR_MS),
    ticketsPerHour: setting.ticketsPerHour,
  });
  return finish(ctx, row, await apply(ctx, intake, setting, mail, key, raw, decision));
}

type Applied = { result: InboundResult; reason: string | null; ticketId: number | null };

async function apply(ctx: ServiceContext, intake: TicketIntake, setting: InboundSetting, mail: ParsedMail, key: string, raw: Buffer, decision: InboundDecision): Promise<Applied> {
  switch (decision.result) {
    case 'ignored': {
      if (decision.showOn === null) return { result: 'ignored', reason: decision.reason, ticketId: null };
      const shown = await postCustomerMessageOn(ctx, decision.showOn, { body: threadText(mail.reply), channel: 'email', automatic: true, mailKey: key, ...filesOf(mail) });
      const reason = shown.kind === 'appended' ? decision.reason : `${decision.reason.replace(' Shown on its ticket.', '')} Its ticket was closed meanwhile: not shown.`;
      return { result: 'ignored', reason, ticketId: shown.ticket.id };
    }
    case 'bounce':
      return applyBounce(ctx, setting, mail, raw);
    case 'appended':
    case 'follow_up': {
      const files = filesOf(mail);
      const posted = await orAlreadyDone(ctx, key, () =>
        postCustomerMessageOn(ctx, decision.ticketId, { body: threadText(mail.reply) + files.note, channel: 'email', files: files.files, mailKey: key, intakeKey: mailIntakeKey(key) }),
      );
      if ('done' in posted) return posted.done;
      if (posted.kind === 'follow_up') return { result: 'follow_up', reason: `${referenceOf(posted.ticket.id)} was closed: a follow-up was opened.`, ticketId: posted.followUp.id };
      return { result: 'appended', reason: null, ticketId: posted.ticket.id };
    }
    case 'created': {
      const settings = await loadSettings(ctx.handle.db);
      const files = filesOf(mail);
      const input = ticketFromMail({ fromAddress: mail.from!.address, fromName: mail.from!.name, subject: mail.subject, text: mail.text }, settings.emailPriority);
      const created = await orAlreadyDone(ctx, key, () =>
        intake.submitValid({ ...input, description: input.description + files.note }, { channel: 'email', files: files.files, mailKey: key, intakeKey: mailIntakeKey(key) }),
      );
      if ('done' in created) return created.done;
      return { result: 'created', reason: null, ticketId: created.id };
    }
    case 'duplicate':
    case 'rejected':
      return { result: decision.result, reason: decision.reason, ticketId: null };
  }
}

/**
 * Runs a change keyed by the mail; when it fails because another process made it first (the
 * unique key refused this one), answers with what that process made.
 */
async function orAlreadyDone<T extends object>(ctx: ServiceContext, key: string, change: () => Promise<T>): Promise<T | { done: Applied }> {
  try {
    return await change();
  } catch (error) {
    const done = await messageOfMail(ctx.handle.db, key).catch(() => undefined);
    if (!done) throw error;
    return { done: { result: resultOfMessage(done), reason: null, ticketId: done.ticket_id } };
  }
}

/** What a mail's message says it became: the first message of a ticket opened it. */
function resultOfMessage(message: { first: boolean; follow_up_of: number | null; automatic: boolean }): InboundResult {
  if (message.automatic) return 'ignored';
  if (!message.first) return 'appended';
  return message.follow_up_of === null ? 'created' : 'follow_up';
}

/** The mail's files as kept on its message (§10.1), and the note naming what was left out. */
function filesOf(mail: ParsedMail): { files: IncomingFile[]; note: string } {
  const named = mail.files.map((f, i) => ({ filename: mailFilename(f.filename, i), contentType: f.contentType, size: f.content.length, content: f.content }));
  const { kept, left } = keptMailFiles(named);
  return { files: kept.map((i) => ({ filename: named[i]!.filename, contentType: named[i]!.contentType, content: named[i]!.content })), note: leftFilesNote(left) };
}

/** Rule 1: the Message-ID is in our form, and the outbox row it names has exactly that id. */
async function isOwnMail(ctx: ServiceContext, setting: InboundSetting, messageId: string | null): Promise<boolean> {
  if (messageId === null) return false;
  const own = parseOwnMessageId(messageId, setting.mailFrom);
  if (!own) return false;
  const [row] = await outboxRowsByIds(ctx.handle.db, [own.outboxId]);
  return row !== undefined && messageIdFor(row, setting.mailFrom) === messageId;
}

/** Outbox rows our Message-IDs among `ids` name, checked against the rows (anyone can write an id of our form). */
async function ownRowsNamed(ctx: ServiceContext, setting: InboundSetting, ids: readonly string[]) {
  const own = ids.flatMap((id) => {
    const parsed = parseOwnMessageId(id, setting.mailFrom);
    return parsed ? [{ id, outboxId: parsed.outboxId }] : [];
  });
  const rows = await outboxRowsByIds(ctx.handle.db, own.map((o) => o.outboxId));
  return rows.filter((row) => own.some((o) => o.outboxId === row.id && messageIdFor(row, setting.mailFrom) === o.id));
}

/**
 * The tickets a mail names, in the order rule 5 tries them: those whose thread holds one of its
 * references (an email we sent, or an earlier mail of the customer), then the subject's `[HD-n]`.
 */
async function ticketsNamedBy(ctx: ServiceContext, setting: InboundSetting, mail: ParsedMail) {
  const ours = (await ownRowsNamed(ctx, setting, mail.references)).flatMap((r) => (r.ticket_id === null ? [] : [r.ticket_id]));
  const theirs = await ticketsOfMailKeys(ctx.handle.db, mail.references);
  const bySubject = subjectTicketId(mail.subject);
  const ids = [...new Set([...ours, ...theirs, ...(bySubject === null ? [] : [bySubject])])];
  return namedTickets(ctx.handle.db, ids);
}

// Our Message-IDs anywhere in a report (its quoted headers, its text).
const OWN_ID_PATTERN = /<(?:hd-\d{1,15}\.)?outbox-\d{1,15}\.[0-9a-f]{16}@[^<>@\s]+>/gi;

/**
 * Rule 4: the outbox emails the report quotes become `bounced` with its reason; nothing is sent.
 * The report names them by the Message-ID of the returned mail (in its quoted header or text).
 */
async function applyBounce(ctx: ServiceContext, setting: InboundSetting, mail: ParsedMail, raw: Buffer): Promise<Applied> {
  const rawText = raw.toString('latin1');
  const quoted = [...new Set([...mail.references, ...(rawText.match(OWN_ID_PATTERN) ?? [])])];
  const rows = (await ownRowsNamed(ctx, setting, quoted)).filter((r) => r.status === 'sent');
  const reason = bounceReason(rawText, mail.subject);
  await markEmailsBounced(ctx.handle.db, rows.map((r) => r.id), reason);
  const ticketId = rows.find((r) => r.ticket_id !== null)?.ticket_id ?? null;
  const which = rows.length === 0 ? 'It names no email of ours that was sent.' : `Email${rows.length > 1 ? 's' : ''} ${rows.map((r) => `#${r.id}`).join(', ')} marked bounced.`;
  return { result: 'bounce', reason: `${reason} ${which}`, ticketId };
}

/** A delivery report's reason: its Status and Diagnostic-Code, else its subject. */
export function bounceReason(rawText: string, subject: string): string {
  // A field may be folded over several lines (Postfix folds a long Diagnostic-Code): read it whole.
  // eslint-disable-next-line no-control-regex -- a report is any bytes; PostgreSQL text holds no NUL
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.+(?:\\r?\\n[ \\t]+.+)*)`, 'im').exec(rawText)?.[1]?.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim() ?? null;
  const diagnostic = field('Diagnostic-Code');
  const status = field('Status');
  const parts = [status && `Status ${status}`, diagnostic].filter((p): p is string => p !== null);
  return (parts.length > 0 ? parts.join(': ') : `Delivery failed: ${subject || '(no subject)'}`).slice(0, 500);
}

/** Rule 7 for a mail too large to read: recorded with its header only (rules 1 and 2 still read its Message-ID). */
async function recordTooLarge(ctx: ServiceContext, setting: InboundSetting, raw: Buffer, source: InboundSource): Promise<InboundOutcome> {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const from = headerField(raw, 'From');
  const address = /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(from)?.[0] ?? '';
  const messageId = headerMessageId(raw);
  const { mail: row, inserted } = await claimInboundMail(ctx.handle.db, {
    mail_key: mailKeyOf(messageId, sha256),
    source,
    from_address: address.toLowerCase().slice(0, 320),
    from_name: '',
    subject: headerField(raw, 'Subject').slice(0, 1000),
    result: null,
    reason: null,
    ticket_id: null,
    size: raw.length,
    raw: headerOf(raw),
    received_at: ctx.clock.now(),
    handled_at: null,
  });
  if (await isOwnMail(ctx, setting, messageId)) return finish(ctx, row, OWN_MAIL);
  if (!inserted && row.result !== null) return { result: 'duplicate', ticketId: row.ticket_id, reason: 'This mail was received before.', mailId: row.id };
  return finish(ctx, row, { result: 'rejected', reason: rejectedBeforeRules(raw.length, setting.maxBytes, address), ticketId: null });
}

/** Writes the result; if another process wrote it first, answers with that one. */
async function finish(ctx: ServiceContext, row: InboundMailRow, applied: Applied): Promise<InboundOutcome> {
  if (await finishInboundMail(ctx.handle.db, row.id, { ...applied, now: ctx.clock.now() })) return { ...applied, mailId: row.id };
  if (row.result !== null) return { ...applied, mailId: row.id };
  return { result: 'duplicate', ticketId: applied.ticketId, reason: 'This mail was handled at the same moment by another process.', mailId: row.id };
}
