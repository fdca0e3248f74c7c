/**
 * Message-IDs as the email channel reads them (SPEC §10): the key a mail is recorded under, ids
 * normalised to `<local@domain>`, and which of a mail's In-Reply-To and References ids the thread
 * rules look up. Pure; core/inbound.ts applies the rules.
 */
import { withoutComments } from './mailSubject.js';

/** The key a mail is recorded under: its Message-ID as received, else `sha256:<hex>` of the raw bytes. */
export function mailKeyOf(messageId: string | null, rawSha256: string): string {
  const id = messageId === null ? '' : normaliseMessageId(messageId);
  return id === '' ? `sha256:${rawSha256}` : id;
}

/**
 * The key a mail is logged under, given who holds its plain key (mailKeyOf) in the log already:
 * the plain key when nobody does, or the holder is the same sender (then the mail is a duplicate:
 * the same mail delivered again, §10 rule 2). A mail of another sender is not the holder's mail
 * (an outsider who learns or guesses a customer's Message-ID, or two mailers making the same one,
 * must not get the customer's mail dropped): its key is the Message-ID and its sender,
 * `<id> sender@example.com` (no Message-ID holds a space), at most the column's 1000 characters.
 * A key of the raw bytes' hash names those bytes whoever sent them: never qualified.
 */
export function senderMailKey(plainKey: string, address: string, holderAddress: string | null): string {
  if (holderAddress === null || plainKey.startsWith('sha256:') || holderAddress.toLowerCase() === address.toLowerCase()) return plainKey;
  return qualifiedMailKey(plainKey, address);
}

/** A Message-ID's key for mail from `address` when another sender's mail holds the plain one (senderMailKey). */
export function qualifiedMailKey(messageId: string, address: string): string {
  return `${messageId} ${address.toLowerCase()}`.slice(0, 1000);
}

/** The Message-ID a mail key names (the key without the sender senderMailKey may have added). */
export function messageIdOfKey(key: string): string {
  const space = key.indexOf(' ');
  return space === -1 ? key : key.slice(0, space);
}

/**
 * A Message-ID as `<local@domain>`: trimmed, without comments (RFC 5322 allows them around it: a
 * server that adds a missing id may write `<…> (added by postmaster@…)`), angle brackets added when
 * missing, empty when there is none, it is longer than any real one (RFC 5322 lines are at most 998
 * characters) or it holds spaces, brackets or control characters.
 */
export function normaliseMessageId(raw: string): string {
  const bare = withoutComments(raw);
  // mailparser hands such a value on with a `>` added at its end: `<a@b> (comment)>`.
  const bracketed = /^\s*<+([^<>]*)>[\s>]*$/.exec(bare)?.[1];
  const id = (bracketed ?? bare.trim().replace(/^<+/, '').replace(/>+$/, '')).trim();
  // eslint-disable-next-line no-control-regex -- RFC 5322 ids hold no control characters (and PostgreSQL text no NUL)
  if (id === '' || id.length > 990 || /[\s<>\u0000-\u001f\u007f]/.test(id)) return '';
  return `<${id}>`;
}

/** Every Message-ID in a header value such as References (`<a@x> <b@y>`), in order, normalised. */
export function messageIdsIn(value: string | readonly string[] | null | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : ((value as string | null | undefined) ?? '');
  const ids = text.match(/<[^<>\s]+>/g) ?? [];
  const bare = ids.length === 0 && text.trim() !== '' ? text.trim().split(/\s+/) : ids;
  return [...new Set(bare.map(normaliseMessageId).filter((id) => id !== ''))];
}

/**
 * Most Message-IDs of one mail the rules look up (its In-Reply-To and References; a delivery
 * report's quoted ids): far more than any client writes (ours name at most four), few enough for
 * one query on either engine. A header of tens of thousands of ids fits in a mail of a few hundred
 * kilobytes, and looking them all up failed the databases' limits on bound parameters (SQLite
 * 32 766, PostgreSQL 65 535): the mail could never be stored.
 */
export const MAX_NAMED_IDS = 100;

/**
 * The Message-IDs a mail's rules look up, from its In-Reply-To and References (each normalised,
 * messageIdsIn): In-Reply-To first, then References, without repeats, at most `max`. When there
 * are more, References keeps its first id (the thread's root) and its newest ones: the message
 * answered and the emails just before it are at the end (RFC 5322 3.6.4).
 */
export function threadIds(inReplyTo: readonly string[], references: readonly string[], max = MAX_NAMED_IDS): string[] {
  const answered = [...new Set(inReplyTo)].slice(0, max);
  const taken = new Set(answered);
  const rest = [...new Set(references)].filter((id) => !taken.has(id));
  const room = max - answered.length;
  if (rest.length <= room) return [...answered, ...rest];
  if (room === 0) return answered;
  return [...answered, rest[0]!, ...rest.slice(rest.length - (room - 1))];
}
