/**
 * A mail read from its header only (SPEC §10), pure: over INBOUND_MAX_BYTES, or with a body the
 * parser could not read. It still goes through the rules; these are the text put in place of its
 * own and the inbound log's reasons.
 */
import { sizeInWords } from './fileSize.js';
import { oneLine } from './mailSubject.js';


/**
 * A mail over INBOUND_MAX_BYTES is read from its header only (its body is never parsed: the limit
 * protects the process), and the rules still apply to it: it opens or answers its ticket like any
 * mail, with this text in place of its own, so the customer is answered as usual and staff see
 * what happened and can ask for a smaller mail. (Refusing it lost the request without a word to
 * anyone: a phone video or a scanned PDF is an ordinary mail.)
 */
export function oversizeNote(size: number, maxBytes: number): string {
  return `[This mail was ${sizeInWords(size)}, over the help desk's limit of ${sizeInWords(maxBytes)}, so its text and files were not read. Please send the text again, with smaller files or links to them.]`;
}

/** The inbound log's reason for a mail read from its header only (after the rule's own reason, if any). */
export function oversizeReason(size: number, maxBytes: number): string {
  return `Larger than ${maxBytes.toLocaleString('en')} bytes (INBOUND_MAX_BYTES): ${size.toLocaleString('en')} bytes; read from its header only, its text and files were not read.`;
}

/**
 * The text of a mail the parser could read only the header of (more MIME parts or a larger header
 * than it reads): like a mail over INBOUND_MAX_BYTES, it goes through the rules from its header,
 * with this in place of its text; the original keeps everything.
 */
export const UNREAD_BODY_NOTE =
  '[This mail could not be read past its header, so its text and files were not read. Please send the text again, with fewer files or links to them.]';

/** The inbound log's reason for such a mail (after the rule's own reason, if any): the parser's own words. */
export function unreadBodyReason(why: string): string {
  return `Its body could not be read (${oneLine(why).slice(0, 200)}): read from its header only, its text and files were not read.`;
}
