/**
 * The email channel's one pipeline (SPEC §10): IMAP, POST /api/v1/inbound/email and
 * `npm run mail:ingest` all hand a raw message to `ingestMail`, which reads it, asks the database
 * what the rules need, lets src/core/inbound.ts decide, and writes the result.
 *
 * Exactly once, however often a mail arrives and however many processes handle it at the same
 * moment: the inbound log's row for a mail (`inbound_mails.mail_key`, its Message-ID or raw hash,
 * unique) is written in the same transaction as the change the mail makes (the new ticket, in the
 * intake's batch; the message; the bounced emails). A mail whose key is logged is a `duplicate`; a
 * second process racing on the same mail fails on the key and its change rolls back with it. A
 * crash before the commit leaves nothing: the mail is still at its source (IMAP inbox, the HTTP
 * client's retry, the mail server's queue after exit 75) and is handled again from the start.
 * The message keeps the mail's key too (`messages.mail_key`, unique), a second lock on the same
 * door. What the rules read before writing (the key logged before? the sender's hour, the tickets
 * a reply names) is read outside the write, on committed state (the SQLite reader, or the pool),
 * batched with the mails arriving alongside: a moment old at worst, which the unique key inside
 * the write's transaction makes harmless, and for the sender's hour the count read again there
 * (services/intakeCap.ts).
 */
import { createHash } from 'node:crypto';
import {
  answeredStaffEmail,
  answeredTicket,
  decideInbound,
  type InboundDecision,
  type InboundFacts,
  type InboundResult,
  ownAddressOf,
  rejectedBeforeRules,
  subjectTicketId,
  threadText,
  ticketFromMail,
  type NamedTicket,
  sameAddress,
} from '../core/inbound.js';
import { automaticReason } from '../core/automaticMail.js';
import { isBounce } from '../core/bounce.js';
import { keptMailFiles, leftFilesNote, mailFilename } from '../core/mailFiles.js';
import { oversizeNote, oversizeReason, UNREAD_BODY_NOTE, unreadBodyReason } from '../core/headerOnlyMail.js';
import { recipientAddresses, deliveredTo } from '../core/mailHeaders.js';
import { storedContentType } from '../core/attachments.js';
import { mailKeyOf, qualifiedMailKey, senderMailKey } from '../core/messageIds.js';
import type { CcPerson } from '../core/mailCc.js';
import { showsNothing, withoutNul } from '../core/unicode.js';
import { type Priority, referenceOf } from '../core/tickets.js';
import type { InboundMailRow, InboundSource, OutboxRow } from '../db/schema.js';
import { type MimeThread, mimeThread } from '../mail/inbound/mimeThread.js';
import { type ParsedMail, headerField, headerMessageId, headerOf, headerSenderAddress, storableMail, stripQuotedHistory } from '../mail/inbound/parse.js';
import { CUSTOMER_MAIL_KINDS } from '../mail/templates/index.js';
import type { IncomingFile } from '../repositories/attachments.js';
import {
  findInboundMailByKey,
  type InboundRecord,
  logInboundMail,
  namedTickets,
  ticketsOfMailKeys,
} from '../repositories/inbound.js';
import { awaitedLater } from '../core/promises.js';
import { readerOf } from '../db/connect.js';
import type { ServiceContext } from './context.js';
import { applyBounce, isOwnMail, ownListOf, ownMailboxes, ownRowsNamed, withGroupAuthor } from './inboundOwnMail.js';
import { senderTurn } from './inboundTurns.js';
import { lookUpMail, lookupGuess } from './inboundLookup.js';
import { postCustomerMessageOn } from './conversation.js';
import type { TicketIntake } from './intake.js';
import type { MailCcs } from './ticketCcs.js';
import { topicOfAddress } from '../repositories/topics.js';

/** What the channel needs to know besides the mail. */
export interface InboundSetting {
  /** MAIL_FROM: our Message-IDs end in its domain (rule 1, and the bounces' quoted ids). */
  mailFrom: string;
  /** MAIL_REPLY_TO (default MAIL_FROM): mail from it, as from MAIL_FROM, is our own (rule 1). */
  mailReplyTo?: string;
  /** INBOUND_MAX_BYTES: larger mail is read from its header only. */
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
  /** Its row in the inbound log (for a duplicate, the row of its first arrival). */
  mailId: number;
}

/**
 * The configuration's defaults (MAIL_FROM, INBOUND_MAX_BYTES, INBOUND_TICKETS_PER_HOUR). 25 MB: a
 * mail carrying a file of the 10 MB a message may keep is about 14 MB once base64-encoded, and
 * one with the 25 MB a message may keep in all about 34 MB: most mail with files fits, and the
 * rest still opens its ticket, from its header (oversizeNote).
 */
export const DEFAULT_INBOUND_SETTING: InboundSetting = { mailFrom: 'Helpdesk <helpdesk@localhost>', maxBytes: 25 * 1024 * 1024, ticketsPerHour: 20 };

const HOUR_MS = 60 * 60 * 1000;

/** Rule 1's reason: the same however often, and however large, our own mail comes back. */
const OWN_MAIL_REASON = 'Our own mail came back (its Message-ID is one this help desk generated).';

/** How much of a mail too large to read a bounce's quoted Message-IDs are looked for in (they come before the returned mail). */
const OVERSIZE_SCAN_BYTES = 1024 * 1024;

/**
 * Handles one received mail (see the header). Throws only when the database fails. The mail is
 * read on the process's parse thread (`reader`, mimeThread.ts); one it gives up on is `rejected`.
 * A mail over INBOUND_MAX_BYTES is read from its header only, its text replaced by a note
 * (oversizeNote), and only its header is kept.
 */
export async function ingestMail(
  ctx: ServiceContext,
  intake: TicketIntake,
  setting: InboundSetting,
  raw: Buffer,
  source: InboundSource,
  reader: MimeThread = mimeThread(),
  /** The mail's whole size when `raw` is only its start (IMAP fetches an over-size mail's first bytes). */
  size = raw.length,
): Promise<InboundOutcome> {
  const release = await senderTurn(ctx, headerSenderAddress(raw));
  try {
    return await ingestInTurn(ctx, intake, setting, raw, source, reader, size);
  } finally {
    release();
  }
}

/** ingestMail once the sender's earlier mails in this process are handled. */
async function ingestInTurn(ctx: ServiceContext, intake: TicketIntake, setting: InboundSetting, raw: Buffer, source: InboundSource, reader: MimeThread, size: number): Promise<InboundOutcome> {
  const oversize = size > setting.maxBytes;
  // What is read, stored as the original, and searched for a bounce's quoted ids.
  const kept = oversize ? headerOf(raw) : raw;
  const now = ctx.clock.now();
  // What every mail's rules need from the database depends only on its key and sender, which the
  // raw header gives: asked while the parse thread reads the mail (a round trip less in its
  // latency), and asked again should the parsed mail say otherwise.
  const guess = lookupGuess(raw);
  const early = guess && awaitedLater(lookUpMail(ctx, { mailKey: guess.key, address: guess.address, since: now - HOUR_MS }));
  const read = await reader.read(oversize ? Buffer.concat([kept, Buffer.from('\r\n\r\n')]) : raw);
  if ('failure' in read) return recordUnread(ctx, setting, raw, kept, source, read.failure, size);
  // A mail the parser could read only the header of (parse.ts) goes on from its header too.
  const unread = oversize ? null : (read.mail.unreadBody ?? null);
  const note = oversize ? oversizeNote(size, setting.maxBytes) : unread === null ? null : UNREAD_BODY_NOTE;
  // A mail read from its header is known by the header's own Message-ID, as it always was (and as
  // every source and the lookup above read it), and by the hash of all its bytes.
  const fromHeader = oversize ? { messageId: headerMessageId(raw), sha256: createHash('sha256').update(raw).digest('hex') } : {};
  const parsed = storableMail(note === null ? read.mail : { ...read.mail, ...fromHeader, text: note, reply: note, files: [] });
  // Mail our own group handed on (a support address that is a Google group or a list): its list
  // mark is not the sender's (rule 3), and a From it rewrote to its own address names its author.
  const ownList = await ownListOf(ctx, setting, parsed.headers);
  const mail = ownList === null ? parsed : withGroupAuthor(parsed, ownList, setting);
  const plainKey = mailKeyOf(mail.messageId, mail.sha256);
  const address = (mail.from?.address ?? '').toLowerCase();
  // As the log keeps it (inbound_mails.from_address is varchar(320)).
  const fromAddress = address.slice(0, 320);
  const since = now - HOUR_MS;
  const guessed = guess !== null && early !== null && guess.key === plainKey && guess.address === address;
  const plain = guessed ? await early : await lookUpMail(ctx, { mailKey: plainKey, address, since });
  // Only the same sender's mail under the key is this mail again (core/messageIds.ts senderMailKey).
  const key = senderMailKey(plainKey, fromAddress, plain.known?.from_address ?? null);
  const { known, senderTickets, emailPriority } = key === plainKey ? plain : await lookUpMail(ctx, { mailKey: key, address, since });
  const readReason = oversize ? oversizeReason(size, setting.maxBytes) : unread === null ? null : unreadBodyReason(unread);
  const record = (result: InboundResult, reason: string | null): InboundRecord => {
    const said = [reason, readReason].filter((r) => r !== null).join(' ') || null;
    return {
      mail_key: key,
      source,
      from_address: fromAddress,
      from_name: (mail.from?.name ?? '').slice(0, 200),
      subject: mail.subject.slice(0, 1000),
      result,
      reason: said === null ? null : withoutNul(said).slice(0, 1000),
      size,
      raw: kept,
      received_at: now,
      handled_at: now,
    };
  };
  const ownMail = await isOwnMail(ctx, setting, mail.messageId);
  // Rule 1 comes before rule 2: our own mail is `ignored` however often it comes back.
  if (known) return ownMail ? { ...outcomeOf(known), result: 'ignored' } : duplicateOf(known);
  if (ownMail) return logOnly(ctx, { ...record('ignored', null), reason: OWN_MAIL_REASON }, null);

  const refused = rejectedBeforeRules(mail.from?.address ?? null);
  if (refused !== null) return logOnly(ctx, record('rejected', refused), null);
  const from = mail.from!.address;
  const answered = await ownRowsNamed(ctx, setting, mail.references);
  const answers = answeredTicket(await ticketsNamedBy(ctx, mail, answered), from);
  const facts: InboundFacts = {
    ownMail: false,
    seenBefore: false,
    ownAddress: ownAddressOf(from, ownMailboxes(setting)),
    automatic: automaticReason(mail.headers, ownList !== null),
    bounce: isBounce(mail.contentType, from),
    staffEmail: answeredStaffEmail(answered, CUSTOMER_MAIL_KINDS),
    answers,
    addsNothing: showsNothing(replyOf(mail)) && mail.files.length === 0,
    senderTicketsLastHour: senderTickets,
    ticketsPerHour: setting.ticketsPerHour,
  };
  try {
    const scanned = oversize ? raw.subarray(0, OVERSIZE_SCAN_BYTES) : raw;
    const applyTo = (found: NamedTicket | null) => apply(ctx, intake, { ...setting, emailPriority }, mail, scanned, decideInbound({ ...facts, answers: found }), record, peopleOf(setting, mail, found));
    // A copied person's answer to a ticket closed since it was found open is not written there
    // (postCustomerMessageOn): the rules are read again as for a mail answering no ticket of theirs.
    const outcome = (await applyTo(answers)) ?? (await applyTo(null));
    if (outcome === null) throw new Error(`Mail ${key} answers no ticket, yet was not handled.`);
    return outcome;
  } catch (error) {
    // Another process handled this mail at the same moment: its log row won, this change rolled back.
    const winner = await findInboundMailByKey(ctx.handle.db, key).catch(() => undefined);
    // Another sender's mail took the plain key at that moment: this one is not it, and goes again under its own key.
    if (winner && senderMailKey(key, fromAddress, winner.from_address) !== key) return ingestInTurn(ctx, intake, setting, raw, source, reader, size);
    if (winner) return duplicateOf(winner);
    throw error;
  }
}

type Record = (result: InboundResult, reason: string | null) => InboundRecord;

/**
 * Who a mail's message is written by and whom it copies (§10 Cc): a copied person answering
 * (`copiedWriter`) is shown as its writer and copies nobody; the customer's To and Cc (`ccs`) join
 * the ticket, but for our own addresses (core/mailCc.ts decides the rest).
 */
interface MailPeople {
  copiedWriter?: CcPerson;
  ccs?: MailCcs;
}

function peopleOf(setting: InboundSetting, mail: ParsedMail, answers: NamedTicket | null): MailPeople {
  const from = mail.from!;
  if (answers !== null && !sameAddress(answers.customerEmail, from.address)) return { copiedWriter: { address: from.address, name: from.name } };
  return { ccs: { recipients: mail.recipients, own: [...ownMailboxes(setting), ...deliveredTo(mail.headers)] } };
}

function outcomeOf(row: InboundMailRow): InboundOutcome {
  return { result: row.result ?? 'duplicate', ticketId: row.ticket_id, reason: row.reason, mailId: row.id };
}

function duplicateOf(row: InboundMailRow): InboundOutcome {
  return { result: 'duplicate', ticketId: row.ticket_id, reason: `This mail was received before (${row.result ?? 'being handled'}).`, mailId: row.id };
}

/**
 * Writes what the decision says, with the mail's log row in the same transaction. Null when a
 * copied person's answer found its ticket closed meanwhile: nothing written, to be decided again.
 */
async function apply(
  ctx: ServiceContext,
  intake: TicketIntake,
  setting: InboundSetting & { emailPriority: Priority },
  mail: ParsedMail,
  raw: Buffer,
  decision: InboundDecision,
  record: Record,
  people: MailPeople,
): Promise<InboundOutcome | null> {
  switch (decision.result) {
    case 'ignored': {
      if (decision.showOn === null) return logOnly(ctx, record('ignored', decision.reason), decision.ticketId ?? null);
      const writer = people.copiedWriter ? { copiedWriter: people.copiedWriter } : {};
      const shown = await postCustomerMessageOn(ctx, decision.showOn, { body: threadText(replyOf(mail)), channel: 'email', automatic: true, mail: () => record('ignored', decision.reason), ...filesOf(mail), ...writer });
      if (shown.kind === 'appended') return logged(ctx, record('ignored', decision.reason).mail_key);
      return logOnly(ctx, record('ignored', `${decision.reason.replace(' Shown on its ticket.', '')} Its ticket was closed meanwhile: not shown.`), shown.ticket.id);
    }
    case 'bounce':
      return applyBounce(ctx, setting, mail, raw, record);
    case 'appended':
    case 'follow_up': {
      const files = filesOf(mail);
      const closedNote = `${referenceOf(decision.ticketId)} was closed: a follow-up was opened.`;
      const posted = await postCustomerMessageOn(ctx, decision.ticketId, {
        body: threadText(replyOf(mail)) + files.note,
        channel: 'email',
        files: files.files,
        mail: (became) => record(became, became === 'follow_up' ? closedNote : null),
        ...people,
      });
      // Only a copied person's answer to a ticket closed meanwhile: nothing was written.
      if (posted.kind === 'not_shown') return null;
      return logged(ctx, record('appended', null).mail_key);
    }
    case 'created': {
      const files = filesOf(mail);
      // A mail to a topic's address takes the topic's default priority, if it has one (§12).
      const topic = await topicOfAddress(ctx.handle.db, recipientAddresses(mail.headers));
      const input = ticketFromMail({ fromAddress: mail.from!.address, fromName: mail.from!.name, subject: mail.subject, text: mail.text }, topic?.default_priority ?? setting.emailPriority);
      const row = record('created', null);
      // The request key stays random, as for the form: the batcher answers a caller with a stored
      // ticket only when it is that caller's own (a commit whose answer was lost). The same mail
      // handed in twice at once is told apart by the log row, which fails the second.
      const topicId = topic?.topic_id;
      const ticket = await intake.submitMail(
        { ...input, description: input.description + files.note },
        { channel: 'email', files: files.files, mail: row, senderCap: setting.ticketsPerHour, ...(people.ccs ? { ccs: people.ccs } : {}), ...(topicId === undefined ? {} : { topicId }) },
      );
      // Rule 7 read again where the ticket is written: another process's tickets reached the cap (intakeCap.ts).
      if ('refused' in ticket) return { result: 'rejected', ticketId: null, reason: ticket.reason, mailId: ticket.mailId };
      // The intake's write gives the log row's id; a batch recovered after a lost commit answer does not.
      if (ticket.mailId === undefined) return logged(ctx, row.mail_key);
      return { result: 'created', ticketId: ticket.id, reason: row.reason ?? null, mailId: ticket.mailId };
    }
    case 'duplicate':
    case 'rejected':
      return logOnly(ctx, record(decision.result, decision.reason), null);
  }
}

/** The outcome as its log row, committed with the change, says. */
async function logged(ctx: ServiceContext, key: string): Promise<InboundOutcome> {
  const row = await findInboundMailByKey(ctx.handle.db, key);
  if (!row) throw new Error(`The log row of mail ${key} is missing after its change committed.`);
  return outcomeOf(row);
}

/** Logs a mail that changes nothing else (a duplicate when another process logged it first). */
async function logOnly(ctx: ServiceContext, row: InboundRecord, ticketId: number | null): Promise<InboundOutcome> {
  const inserted = await logInboundMail(ctx.handle.db, { ...row, ticket_id: ticketId });
  if (inserted) return outcomeOf(inserted);
  return duplicateOf((await findInboundMailByKey(ctx.handle.db, row.mail_key))!);
}
/** The text a reply adds: as the parse thread read it, else read here. */
function replyOf(mail: ParsedMail): string {
  return mail.reply ?? stripQuotedHistory(mail.text);
}

/** The mail's files as kept on its message (§10.1), and the note naming what was left out. */
function filesOf(mail: ParsedMail): { files: IncomingFile[]; note: string } {
  const named = mail.files.map((f, i) => ({ filename: mailFilename(f.filename, i, f.contentType), contentType: storedContentType(f.contentType), size: f.content.length, content: f.content, inline: f.inline }));
  const { kept, left } = keptMailFiles(named);
  return { files: kept.map((i) => ({ filename: named[i]!.filename, contentType: named[i]!.contentType, content: named[i]!.content })), note: leftFilesNote(left) };
}

/**
 * The tickets a mail names, in the order rule 5 tries them: those whose thread holds one of its
 * references (an email we sent, `answered`, or an earlier mail of the customer), then the subject's `[HD-n]`.
 */
async function ticketsNamedBy(ctx: ServiceContext, mail: ParsedMail, answered: readonly Pick<OutboxRow, 'ticket_id'>[]) {
  const ours = answered.flatMap((r) => (r.ticket_id === null ? [] : [r.ticket_id]));
  // A sender's answer to their own mail logged under its sender's key (senderMailKey) names its plain id.
  const from = (mail.from?.address ?? '').toLowerCase();
  const theirs = await ticketsOfMailKeys(readerOf(ctx.handle), [...mail.references, ...mail.references.map((id) => qualifiedMailKey(id, from))]);
  const bySubject = subjectTicketId(mail.subject);
  const ids = [...new Set([...ours, ...theirs, ...(bySubject === null ? [] : [bySubject])])];
  return namedTickets(readerOf(ctx.handle), ids);
}

/**
 * A mail the parse thread gave up on (mimeThread.ts), logged from its raw header (rule 1 still
 * reads its Message-ID): `rejected` with the failure as its reason, kept whole (its header only
 * when it is over INBOUND_MAX_BYTES: `kept`).
 */
async function recordUnread(ctx: ServiceContext, setting: InboundSetting, raw: Buffer, kept: Buffer, source: InboundSource, failure: string, size: number): Promise<InboundOutcome> {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const messageId = headerMessageId(raw);
  const address = headerSenderAddress(raw).slice(0, 320);
  const now = ctx.clock.now();
  const own = await isOwnMail(ctx, setting, messageId);
  // As a read mail's: only the same sender's mail under its key is this one again (senderMailKey).
  const plainKey = mailKeyOf(messageId === null ? null : withoutNul(messageId), sha256);
  const holder = await findInboundMailByKey(ctx.handle.db, plainKey);
  const outcome = await logOnly(
    ctx,
    {
      mail_key: senderMailKey(plainKey, address, holder?.from_address ?? null),
      source,
      from_address: address,
      from_name: '',
      subject: withoutNul(headerField(raw, 'Subject')).slice(0, 1000),
      result: own ? 'ignored' : 'rejected',
      reason: own ? OWN_MAIL_REASON : failure,
      size,
      raw: kept,
      received_at: now,
      handled_at: now,
    },
    null,
  );
  return own ? { ...outcome, result: 'ignored' } : outcome;
}
