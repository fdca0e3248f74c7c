/**
 * Mail a group or list handed on (SPEC §10), pure: the list's address, and the author of a mail
 * the help desk's own group handed on with its From rewritten to an address of ours.
 */
import { firstHeader as first, type MailHeaders } from './mailHeaders.js';
import { isEmailAddress } from './tickets.js';

/**
 * The address of the mail group or list a mail was handed on by, lower-case, or null: List-Post's
 * `<mailto:…>` (RFC 2369: Mailman, Google Groups), else Google Groups' `Mailing-list: list …;`.
 */
export function listAddressOf(headers: MailHeaders): string | null {
  const post = /<mailto:([^<>?\s]+@[^<>?\s]+)[^<>]*>/i.exec(first(headers, 'list-post') ?? '')?.[1];
  const group = /^list\s+([^\s;]+@[^\s;]+)/i.exec(first(headers, 'mailing-list') ?? '')?.[1];
  const address = post ?? group;
  return address === undefined ? null : address.toLowerCase();
}

/** A mailbox as a mail names it. */
export interface NamedMailbox {
  address: string;
  name: string;
}

/**
 * The author of a mail the help desk's own group handed on with its From rewritten to an address of
 * ours (DMARC: Google Groups and Mailman write "'Carla' via Support <support@…>" for an author whose
 * domain forbids others to send as it, and name the author in Reply-To; Google Groups also in
 * X-Original-Sender): the first Reply-To mailbox that is not ours, else X-Original-Sender. Null when
 * From is not ours (an ordinary mail) or no author is named (the mail stays our own address's).
 */
export function groupAuthorOf(from: NamedMailbox, replyTo: readonly NamedMailbox[], headers: MailHeaders, ours: (address: string) => boolean): NamedMailbox | null {
  if (!ours(from.address)) return null;
  const replied = replyTo.find((m) => !ours(m.address));
  if (replied) return replied;
  const original = /^<?([^<>\s]+)>?$/.exec(first(headers, 'x-original-sender') ?? '')?.[1] ?? '';
  return isEmailAddress(original) && !ours(original) ? { address: original, name: '' } : null;
}
