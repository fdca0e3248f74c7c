/**
 * The title of a ticket a mail opens, from its subject (§10 rule 6), pure. A mail that opens a new
 * ticket is often an answer or a forward ("Re: [HD-6] An agent is on it: …", "AW: WG: Angebot"):
 * its reply and forward prefixes and our own ticket keys say nothing about the new request, and a
 * key left in the title would give every email of the new ticket two keys ("[HD-8] We received
 * your request: Re: [HD-6] …").
 */
import { trimInvisible } from './unicode.js';

/** A ticket title's limit (§1). */
const TITLE_MAX = 200;

/**
 * Reply and forward prefixes of the common mail clients, lower-case: English (re, fw, fwd),
 * German (aw, antw, wg), Dutch (antw, doorst), Nordic (sv, vs, vb), French (tr, ref), Italian
 * (r, rif), Spanish and Portuguese (res, rv, enc), Polish (odp, pd), Turkish (ynt, ilt). Not the
 * Italian forward `I:`: too many subjects start with that letter.
 */
const PREFIXES = ['re', 'aw', 'antw', 'antwort', 'sv', 'vs', 'vb', 'ref', 'rif', 'r', 'res', 'odp', 'ynt', 'fw', 'fwd', 'wg', 'tr', 'enc', 'rv', 'doorst', 'pd', 'ilt'];

/**
 * The reply prefixes among them that are no word a person starts a typed title with: a follow-up's
 * `Re: <old title>` (core/conversation.ts followUpTitle) drops these, so that a title that was
 * already an answer (`Re[2]:`, `AW:`, `SV:`) does not become `Re: AW: …`. Not `R:` (the language),
 * `Ref:` or `Rif:` (an order's reference), which a title typed on the form may well start with.
 */
const TITLE_REPLY_PREFIXES = ['re', 'aw', 'antw', 'antwort', 'sv', 'vs', 'res', 'odp', 'ynt'];

/** One prefix of `names`, optionally counted (`Re[2]:`, `Re(3):`), and its colon (ASCII or full-width). */
function prefixOf(names: readonly string[]): string {
  return `(?:${names.join('|')})\\s*(?:\\[\\d+\\]|\\(\\d+\\))?\\s*[:：]`;
}

const LEADING_REPLY_PREFIXES = new RegExp(`^\\s*(?:${prefixOf(TITLE_REPLY_PREFIXES)}\\s*)+`, 'i');

/** A title without its leading reply prefixes (TITLE_REPLY_PREFIXES, repeated, any letter case) and the white space around them. */
export function withoutReplyPrefixes(title: string): string {
  return title.replace(LEADING_REPLY_PREFIXES, '').trim();
}

/**
 * What our emails to customers say happened, after the key in their subjects (`[HD-6] An agent is
 * on it: <title>`, mail/templates/layout.ts subjectFor): the templates take them from here, so
 * that a stranger's answer to one of them opens a ticket titled by the request, not by our words.
 */
export const CUSTOMER_SUBJECT_PHRASES = {
  created: 'We received your request',
  assigned: 'An agent is on it',
  reassigned: 'Your request has a new agent',
  closed: 'Your request is closed',
} as const;

// Our key, and one of our phrases right after it with its colon (only there: a customer's own
// subject may say the same words).
const OUR_KEY_AND_PHRASE = `\\[HD-\\d+\\](?:\\s*(?:${Object.values(CUSTOMER_SUBJECT_PHRASES).join('|')})\\s*:)?`;

// A prefix (optionally counted, `Re[2]:`, `Re(3):`) and its colon (ASCII or full-width), or one of our keys (and our phrase after it).
const LEADING = new RegExp(`^(?:${prefixOf(PREFIXES)}|${OUR_KEY_AND_PHRASE})\\s*`, 'i');
const OUR_KEY = new RegExp(OUR_KEY_AND_PHRASE, 'gi');

/** A header value without its comments (RFC 5322 CFWS: `(…)`, not nested), each a space. */
export function withoutComments(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ');
}

/** A header value on one line: control characters and runs of white space become one space. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The title of a new ticket from a mail's subject: without its leading reply and forward prefixes
 * (repeated, in any letter case, mixed with our keys) and without our own `[HD-<n>]` keys wherever
 * they are; one line, cut to 200 characters. `(no subject)` when nothing is left: characters drawn
 * as nothing at its ends (core/unicode.ts trimInvisible) are no part of it, as on the ticket form.
 */
export function newTicketTitle(subject: string): string {
  let title = trimInvisible(oneLine(subject));
  for (let before = ''; before !== title; ) {
    before = title;
    title = trimInvisible(title.replace(LEADING, ''));
  }
  title = trimInvisible(oneLine(title.replace(OUR_KEY, ' ')));
  return [...(title || '(no subject)')].slice(0, TITLE_MAX).join('');
}

// Our keys (with our phrase) at a typed title's start, each after any reply and forward prefixes.
const LEADING_PASTED_KEYS = new RegExp(`^\\s*(?:(?:${prefixOf(PREFIXES)}\\s*)*${OUR_KEY_AND_PHRASE}\\s*)+`, 'i');
const OUR_KEY_SPACED = new RegExp(`\\s*${OUR_KEY_AND_PHRASE}\\s*`, 'gi');

/**
 * A title typed on the form or given through the API without our own `[HD-<n>]` keys (and our
 * phrase after one), as newTicketTitle leaves them out of a mail's subject: a title pasted from one
 * of our emails (`Re: [HD-6] An agent is on it: Printer`) otherwise gave every email of the new
 * ticket two keys (`[HD-42] We received your request: Re: [HD-6] …`). The reply and forward
 * prefixes in front of a leading key go with it (they are part of the pasted subject); a title
 * without our key is kept exactly as typed (`Re: invoice`, `R: …`, double spaces). Empty when the
 * title was nothing but keys and prefixes: the caller refuses it (core/tickets.ts), since the
 * customer is there to say what the request is about, unlike a mail's sender (`(no subject)`).
 */
export function withoutOurKeys(title: string): string {
  if (title.search(OUR_KEY) === -1) return title;
  return trimInvisible(title.replace(LEADING_PASTED_KEYS, '').replace(OUR_KEY_SPACED, ' '));
}

/**
 * Whether a subject holds text a mail reader would decode as an RFC 2047 encoded word
 * (`=?utf-8?B?…?=`): a title typed that way must itself be encoded, or the reader shows other
 * words than the title (mail/transport.ts). Any `=?` counts: readers differ in what else they ask.
 */
export function readsAsEncodedWord(subject: string): boolean {
  return subject.includes('=?');
}
