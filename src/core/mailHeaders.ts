/**
 * A received mail's headers as the email channel's rules read them (SPEC §10), pure: a header's
 * first value, and the addresses a mail was delivered to (§12: inbound addresses map to topics).
 */
import { MAX_NAMED_IDS } from './messageIds.js';
import { oneLine } from './mailSubject.js';

/** The headers the rules read, by lower-case name (every value of a repeated header). */
export type MailHeaders = ReadonlyMap<string, readonly string[]>;
/** A header's first value on one line, without control characters (reasons quote it; PostgreSQL text holds no NUL). */
export function firstHeader(headers: MailHeaders, name: string): string | null {
  const value = headers.get(name)?.[0];
  return value === undefined ? null : oneLine(value);
}

/**
 * The addresses a mail was delivered to (§12: inbound addresses map to topics): Delivered-To first
 * (the mailbox that actually received it), then To; lower-cased, without repeats; the first
 * MAX_NAMED_IDS of them (each is looked up: a To of tens of thousands failed the query).
 */
export function recipientAddresses(headers: MailHeaders): string[] {
  return addressesIn(headers, ['delivered-to', 'to']).slice(0, MAX_NAMED_IDS);
}

/** The mailboxes a mail was delivered to (Delivered-To): ours, so never one of its copied people (§10 Cc). */
export function deliveredTo(headers: MailHeaders): string[] {
  return addressesIn(headers, ['delivered-to']);
}

/** The addresses in these headers, in order, lower-cased, without repeats. */
function addressesIn(headers: MailHeaders, names: readonly string[]): string[] {
  const values = names.flatMap((name) => headers.get(name) ?? []);
  const found = values.flatMap((v) => v.match(/[^\s<>,;"()]+@[^\s<>,;"()]+/g) ?? []).map((a) => a.toLowerCase());
  return [...new Set(found)];
}
