/**
 * Rule 3 of the email channel (SPEC §10), pure: whether a mail is automatic (an auto-reply, a
 * list, a vacation notice) rather than written by a person, and why.
 */
import { firstHeader as first, type MailHeaders } from './mailHeaders.js';
import { withoutComments } from './mailSubject.js';

/** A header's keyword as the rules compare it: lower-case, without comments (RFC 5322 CFWS: `no (written by hand)`). */
function keyword(value: string): string {
  return withoutComments(value).trim().toLowerCase();
}
/**
 * Rule 3: why this mail is automatic (an auto-reply, a list, a vacation notice), or null when a
 * person wrote it. `Auto-Submitted` other than `no` (RFC 3834); `Precedence` bulk, junk, list or
 * auto_reply; `X-Autoreply` / `X-Autorespond` present; `X-Auto-Response-Suppress` All or AutoReply;
 * a null `Return-Path: <>`. `ourList`: the mail was handed on by a group of the help desk's own
 * (listAddressOf is one of our addresses), whose `Precedence: list` is not the sender's.
 */
export function automaticReason(headers: MailHeaders, ourList = false): string | null {
  const submitted = first(headers, 'auto-submitted');
  if (submitted !== null && keyword(submitted.split(';')[0]!) !== 'no') return `Auto-Submitted: ${submitted.slice(0, 60)}`;
  const precedenceValue = first(headers, 'precedence');
  const precedence = precedenceValue === null ? null : keyword(precedenceValue);
  // Decision: a support address that is itself a group (a Google Workspace group, a Mailman list
  // handing mail on to the mailbox read here) marks every customer's mail `Precedence: list`, so
  // every request was ignored. That group is ours: its mark says nothing of the sender. Every other
  // sign (Auto-Submitted, X-Autoreply, Precedence bulk or junk…) still counts, and anyone else's list is still a list.
  const listMark = precedence === 'list' && ourList;
  if (precedence !== null && !listMark && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    const value = first(headers, name);
    if (value !== null) return `${name === 'x-autoreply' ? 'X-Autoreply' : 'X-Autorespond'}: ${value.slice(0, 60)}`;
  }
  const suppress = first(headers, 'x-auto-response-suppress');
  if (suppress !== null) {
    const words = suppress.split(/[\s,]+/).map((w) => w.toLowerCase());
    if (words.includes('all') || words.includes('autoreply')) return `X-Auto-Response-Suppress: ${suppress.slice(0, 60)}`;
  }
  // A null return path (`<>`, which the receiving server writes from the envelope) is how mail
  // systems send their own notices, so that nothing answers them (RFC 3834, RFC 5321 4.5.5): the
  // vacation programs that write none of the headers above, read receipts. A person's mail always
  // has a sender to return it to. Answering one with our `created` email is what RFC 3834 forbids.
  const returnPath = first(headers, 'return-path');
  if (returnPath !== null && /^<\s*>$/.test(returnPath)) return 'Return-Path: <> (a null sender)';
  return null;
}
