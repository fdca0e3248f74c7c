/**
 * What of a received mail is the help desk's own (SPEC §10 rules 1 and 4), for the pipeline of
 * services/inbound.ts: our own mail coming back (its Message-ID is one we generated, and the outbox
 * row it names has exactly that id), the emails of ours a mail answers or quotes, and a delivery
 * report's emails marked bounced. Anyone can write an id of our form, so each is checked against
 * its outbox row.
 */
import { bounceReason, bounceVerdict, reportedOwnIds, reportedRecipients } from '../core/bounce.js';
import { ownAddressOf, sameAddress } from '../core/inbound.js';
import { groupAuthorOf, listAddressOf } from '../core/mailGroups.js';
import type { MailHeaders } from '../core/mailHeaders.js';
import { ccOfRow } from '../core/mailCc.js';
import { MAX_NAMED_IDS } from '../core/messageIds.js';
import { withoutNul } from '../core/unicode.js';
import { readerOf } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import type { ParsedMail } from '../mail/inbound/parse.js';
import { messageIdFor, parseOwnMessageId } from '../mail/message.js';
import { type InboundRecord, insertInboundMails, markEmailsBounced, outboxRowsByIds } from '../repositories/inbound.js';
import { topicOfAddress } from '../repositories/topics.js';
import type { ServiceContext } from './context.js';
import type { InboundOutcome, InboundSetting } from './inbound.js';

/** Rule 1: the Message-ID is in our form, and the outbox row it names has exactly that id. */
export async function isOwnMail(ctx: ServiceContext, setting: InboundSetting, messageId: string | null): Promise<boolean> {
  if (messageId === null) return false;
  const own = parseOwnMessageId(messageId, setting.mailFrom);
  if (!own) return false;
  const [row] = await outboxRowsByIds(readerOf(ctx.handle), [own.outboxId]);
  return row !== undefined && messageIdFor(row, setting.mailFrom) === messageId;
}

/** The help desk's own mailboxes as configured (MAIL_FROM, MAIL_REPLY_TO): mail from them is ours (rule 1). */
export function ownMailboxes(setting: InboundSetting): string[] {
  return [setting.mailFrom, setting.mailReplyTo ?? setting.mailFrom];
}

/**
 * Rule 3: the address of the group or list that handed this mail on (listAddressOf) when it is the
 * help desk's own: MAIL_FROM, MAIL_REPLY_TO or a topic's inbound address (§12), any letter case;
 * null for anyone else's list, or none.
 */
export async function ownListOf(ctx: ServiceContext, setting: InboundSetting, headers: MailHeaders): Promise<string | null> {
  const list = listAddressOf(headers);
  if (list === null) return null;
  if (ownAddressOf(list, ownMailboxes(setting)) !== null) return list;
  return (await topicOfAddress(readerOf(ctx.handle), [list])) === undefined ? null : list;
}

/**
 * A mail our own group (`list`) handed on with its From rewritten to an address of ours, as its
 * author's (groupAuthorOf); any other mail as it is.
 */
export function withGroupAuthor(mail: ParsedMail, list: string, setting: InboundSetting): ParsedMail {
  if (mail.from === null) return mail;
  const own = ownMailboxes(setting);
  const author = groupAuthorOf(mail.from, mail.replyTo ?? [], mail.headers, (a) => sameAddress(a, list) || ownAddressOf(a, own) !== null);
  return author === null ? mail : { ...mail, from: author };
}

/** Outbox rows our Message-IDs among `ids` name, checked against the rows (anyone can write an id of our form). */
export async function ownRowsNamed(ctx: ServiceContext, setting: InboundSetting, ids: readonly string[]) {
  const own = ids.flatMap((id) => {
    const parsed = parseOwnMessageId(id, setting.mailFrom);
    return parsed ? [{ id, outboxId: parsed.outboxId }] : [];
  });
  const rows = await outboxRowsByIds(readerOf(ctx.handle), own.map((o) => o.outboxId));
  return rows.filter((row) => own.some((o) => o.outboxId === row.id && messageIdFor(row, setting.mailFrom) === o.id));
}

/**
 * Rule 4: the outbox emails the report returns become `bounced` with its reason; nothing is sent.
 * The report names them by the Message-ID of the returned mail (reportedOwnIds).
 */
export async function applyBounce(ctx: ServiceContext, setting: InboundSetting, mail: ParsedMail, raw: Buffer, record: (result: 'bounce', reason: string | null) => InboundRecord): Promise<InboundOutcome> {
  const rawText = raw.toString('latin1');
  // Bounded like a mail's references (MAX_NAMED_IDS): a report names the one email it returns.
  const quoted = reportedOwnIds(rawText, mail.references).slice(0, MAX_NAMED_IDS);
  const rows = (await ownRowsNamed(ctx, setting, quoted)).filter((r) => r.status === 'sent');
  const reason = withoutNul(bounceReason(rawText, mail.subject));
  const ticketId = rows.find((r) => r.ticket_id !== null)?.ticket_id ?? null;
  const recipients = reportedRecipients(rawText);
  const verdicts = rows.map((r) => ({ id: r.id, ...bounceVerdict(recipients, { to: r.to_address, cc: ccOfRow(r) }) }));
  const bounced = verdicts.filter((v) => v.bounced);
  const notMarked = verdicts.flatMap((v) => ('why' in v ? [`Email #${v.id} not marked bounced: ${v.why}.`] : []));
  const marked = bounced.length === 0 ? [] : [`Email${bounced.length > 1 ? 's' : ''} ${bounced.map((v) => `#${v.id}`).join(', ')} marked bounced.`];
  const said = rows.length === 0 ? 'It names no email of ours that was sent.' : [...marked, ...notMarked].join(' ');
  const row = { ...record('bounce', `${reason} ${said}`), ticket_id: ticketId };
  const mailId = await inTransaction(ctx.handle, async (trx) => {
    const ids = await insertInboundMails(trx, [row]);
    await markEmailsBounced(trx, bounced.map((r) => r.id), reason);
    return ids.get(row.mail_key)!;
  });
  return { result: 'bounce', ticketId, reason: row.reason ?? null, mailId };
}

