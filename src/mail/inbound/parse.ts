/**
 * Reading a received mail (§10) with kept libraries: `mailparser` for MIME (charsets, UTF-7
 * included, encoded-word subjects, multipart/alternative and /related, attachments and inline
 * images), `html-to-text` for a mail that has only HTML, and `email-reply-parser` for the quoted
 * history and signature of a reply. Never throws: any byte sequence gives a ParsedMail (with
 * `from` null when no sender can be read).
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import type { AddressObject, ParsedMail as LibraryMail } from 'mailparser';
import { subjectTicketId } from '../../core/inbound.js';
import type { MailHeaders } from '../../core/mailHeaders.js';
import { messageIdsIn, normaliseMessageId, threadIds } from '../../core/messageIds.js';
import { oneLine } from '../../core/mailSubject.js';
import { holdsQuotedMail, withLongLinesStoodIn, withoutLeftoverHistory } from '../../core/quotedHistory.js';
import { withoutNul } from '../../core/unicode.js';
import { isEmailAddress } from '../../core/tickets.js';

export interface ParsedFile {
  filename: string | null;
  contentType: string;
  content: Buffer;
  /** An image the HTML shows inline (multipart/related), rather than an attachment. */
  inline: boolean;
}

export interface ParsedMail {
  /** SHA-256 of the raw bytes, hex. */
  sha256: string;
  /** Normalised `<id>`, or null. */
  messageId: string | null;
  /** In-Reply-To then References, normalised, without repeats, at most MAX_NAMED_IDS (threadIds). */
  references: string[];
  /** The sender, or null when From holds no valid address. */
  from: { address: string; name: string } | null;
  subject: string;
  /** Top-level Content-Type with its parameters (for delivery reports). */
  contentType: string;
  headers: MailHeaders;
  /** Whom it was addressed to: To then Cc (groups opened), as the mail names them (§10 Cc). */
  recipients: { address: string; name: string }[];
  /** Reply-To's mailboxes (groups opened): the author of a mail whose From our own group rewrote (core/mailGroups.ts groupAuthorOf). */
  replyTo?: { address: string; name: string }[];
  /** The whole text: the plain-text part, else the HTML turned into text. */
  text: string;
  /**
   * The text a reply adds (stripQuotedHistory), read with the mail by readMail for a mail that may
   * answer a ticket (it names one by its references or subject); absent otherwise.
   */
  reply?: string;
  files: ParsedFile[];
  /**
   * Why the parser could not read the mail past its header (parseMail), when it could not: its
   * text and files are then empty, and the email channel says so in their place.
   */
  unreadBody?: string;
}

// How deep HTML may nest and how long it may be for turning into text: beyond, the walk is slow
// or overflows the stack; what is cut stays in the original.
const HTML_DEPTH_MAX = 100;
const HTML_INPUT_MAX = 2 * 1024 * 1024;

/**
 * The text of a mail: its plain-text part, else its HTML turned into text. mailparser is told not
 * to convert HTML itself: most mail carries both (multipart/alternative), and converting an HTML
 * part nobody reads was a third of the parsing time.
 */
function textOf(mail: LibraryMail, htmlToText: typeof import('html-to-text').htmlToText): string {
  if (typeof mail.text === 'string' && mail.text.trim() !== '') return mail.text;
  if (typeof mail.html !== 'string' || mail.html === '') return mail.text ?? '';
  try {
    return htmlToText(mail.html, { wordwrap: false, limits: { maxDepth: HTML_DEPTH_MAX, maxInputLength: HTML_INPUT_MAX }, selectors: [{ selector: 'img', format: 'skip' }] });
  } catch {
    return '';
  }
}

/** Lines longer than this are stood in for when the reply parser reads a text (withLongLinesStoodIn). */
const REPLY_PARSER_LINE_MAX = 1000;
/** A text longer than this (its long lines stood in for) is not given to the reply parser. */
const REPLY_PARSER_TEXT_MAX = 100_000;

/**
 * The text without the rules (lines of dashes, underscores, = or *) and blank lines at its end: the
 * rule a client draws above the quoted mail (Outlook's <hr>, turned into dashes) is not the reply.
 * Line by line from the end, so a text of thousands of such lines costs no more than reading it.
 */
function withoutTrailingRules(text: string): string {
  const lines = text.split('\n');
  while (lines.length > 0 && /^[ \t]*(?:[-_=*]{3,}[ \t]*)?$/.test(lines.at(-1)!)) lines.pop();
  return lines.join('\n');
}

/** The text a reply adds, without quoted history and signature ('' when it quotes a mail and adds nothing); the text itself when it cannot tell. */
export function stripQuotedHistory(text: string): string {
  // A paragraph is one line in format=flowed, iPhone and HTML mail: a long one is stood in for, not
  // a reason to keep the whole quoted history (as it was when such a text was kept as it stood).
  const stood = withLongLinesStoodIn(text, REPLY_PARSER_LINE_MAX);
  if (stood.text.length > REPLY_PARSER_TEXT_MAX) return text;
  try {
    const visible = withoutTrailingRules(withoutLeftoverHistory(new EmailReplyParser().parseReply(stood.text))).trim();
    // Nothing of the customer's own: a reply of only its files (and a signature) quoting our email
    // adds no text; anything else the parser cannot tell is kept whole.
    if (visible !== '') return stood.restore(visible);
    return holdsQuotedMail(stood.text) ? '' : text;
  } catch {
    return text;
  }
}

/** Every header line by lower-case name, unfolded, values in order. */
function headersOf(mail: LibraryMail): MailHeaders {
  const headers = new Map<string, string[]>();
  for (const { key, line } of mail.headerLines ?? []) {
    const colon = line.indexOf(':');
    const value = (colon < 0 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
    const name = key.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return headers;
}

/** A decoded header as text the databases can store: an encoded word may decode to NUL, which PostgreSQL text refuses. */
function storable(value: string): string {
  return value.replaceAll('\u0000', '');
}

function senderOf(from: AddressObject | undefined): ParsedMail['from'] {
  const mailbox = from?.value?.find((m) => typeof m.address === 'string' && isEmailAddress(m.address.trim()));
  if (!mailbox) return null;
  return { address: mailbox.address!.trim(), name: storable(mailbox.name ?? '').trim() };
}

/** The mailboxes of To or Cc (one header or several), group members included, with a valid address. */
function mailboxesOf(field: AddressObject | AddressObject[] | undefined): ParsedMail['recipients'] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  type Entry = { address?: string; name?: string; group?: Entry[] };
  const flat = (entries: readonly Entry[]): Entry[] => entries.flatMap((e) => (Array.isArray(e.group) ? flat(e.group) : [e]));
  return flat(objects.flatMap((o) => o.value ?? [])).flatMap((m) => {
    const address = typeof m.address === 'string' ? m.address.trim() : '';
    return isEmailAddress(address) ? [{ address, name: storable(m.name ?? '').trim() }] : [];
  });
}

function contentTypeOf(headers: MailHeaders): string {
  return headers.get('content-type')?.[0] ?? 'text/plain';
}

const WINDOWS_1252 = new TextDecoder('windows-1252');

/**
 * Old mail servers and scripts send ISO-8859-1 or windows-1252 bytes as they are: in the header
 * (where only ASCII belongs) or in a body that names no charset. mailparser reads those bytes as
 * UTF-8 and every é becomes U+FFFD, so they are read as windows-1252 (the superset of ISO-8859-1
 * that mail clients assume) before parsing: each header line that is not UTF-8 is re-encoded (a
 * line of raw UTF-8 beside it stays right), and a single-part text body that names no charset and
 * is not UTF-8 is declared windows-1252. Mail that is UTF-8 throughout comes back as it is.
 */
export function withLegacyCharset(raw: Buffer): Buffer {
  if (isUtf8(raw)) return raw;
  const header = headerOf(raw);
  const body = raw.subarray(header.length);
  let head = linesOf(header)
    .map((line) => (isUtf8(line) ? line.toString('utf8') : WINDOWS_1252.decode(line)))
    .join('\n');
  if (!isUtf8(body)) {
    const type = /^content-type:[ \t]*([^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*)/im.exec(head);
    if (!type) head += '\r\nContent-Type: text/plain; charset=windows-1252';
    else if (/^text\//i.test(type[1]!.trim()) && !/charset/i.test(type[1]!)) head = head.replace(type[0], `${type[0].trimEnd()}; charset=windows-1252`);
  }
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

/** The lines of a buffer, split at LF (a CR stays at the end of its line). */
function linesOf(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start <= bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end < 0 ? bytes.length : end;
    lines.push(bytes.subarray(start, stop));
    start = stop + 1;
  }
  return lines;
}

// A part declaring UTF-7 (`utf-7`, `unicode-1-1-utf-7`, `x-unicode-2-0-utf-7`), in a header line or a folded continuation.
const UTF7_DECLARED = /^(?:content-type:|[ \t]).*?charset\s*=\s*"?(?:x-)?(?:unicode-[\d-]+-)?utf-?7\b/im;

/**
 * RFC 2152 UTF-7 as text: `+<modified base64 of UTF-16>` runs (a `-` ending one is dropped), `+-`
 * a plus sign. mailparser leaves UTF-7 undecoded on purpose (`+ADw-script+AD4-` is `<script>` in
 * HTML it hands on); the help desk only ever shows text, escaped, so the text is decoded here.
 */
export function decodeUtf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]*)-?/g, (_run, base64: string) => {
    if (base64 === '') return '+';
    const bytes = Buffer.from(base64, 'base64');
    return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
  });
}

/**
 * mailparser and html-to-text, loaded when the first mail is read: a server that receives no mail
 * (or reads it in the parse thread only) does not carry them (about 25 MB of resident memory).
 */
let parsers: Promise<[typeof import('mailparser'), typeof import('html-to-text')]> | undefined;
const loadParsers = () => (parsers ??= Promise.all([import('mailparser'), import('html-to-text')]));

/** mailparser's options: no HTML made from text nor text from HTML (textOf does that when needed), no links. */
const PARSER_OPTIONS = { skipHtmlToText: true, skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true } as const;

/**
 * Reads a raw message. Never throws. A mail mailparser refuses whole (more than 1000 MIME parts, a
 * header over 1 MB) is read from its header (its first 256 kB, headerOf) with no text and no
 * files, and says why in `unreadBody`, so the rules still read its sender, its Message-ID and
 * what it answers; only a mail whose header cannot be read either has no sender.
 */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const [{ simpleParser }, { htmlToText }] = await loadParsers();
  try {
    return parsedFrom(await simpleParser(withLegacyCharset(raw), PARSER_OPTIONS), raw, sha256, htmlToText);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    try {
      const header = await simpleParser(withLegacyCharset(Buffer.concat([headerOf(raw), Buffer.from('\r\n\r\n')])), PARSER_OPTIONS);
      return { ...parsedFrom(header, Buffer.alloc(0), sha256, htmlToText), text: '', files: [], unreadBody: storable(oneLine(why)).slice(0, 200) };
    } catch {
      return { sha256, messageId: null, references: [], from: null, subject: '', contentType: 'text/plain', headers: new Map(), recipients: [], text: '', files: [] };
    }
  }
}

/** The ParsedMail of what mailparser read from `raw`. */
function parsedFrom(mail: LibraryMail, raw: Buffer, sha256: string, htmlToText: typeof import('html-to-text').htmlToText): ParsedMail {
  const headers = headersOf(mail);
  const parsedText = (unparted(mail, headers, raw) ? bodyOf(raw) : textOf(mail, htmlToText)).replace(/\r\n?/g, '\n');
  const text = UTF7_DECLARED.test(raw.toString('latin1')) ? decodeUtf7(parsedText) : parsedText;
  const messageId = typeof mail.messageId === 'string' ? normaliseMessageId(mail.messageId) || null : null;
  return {
    sha256,
    messageId,
    references: threadIds(messageIdsIn(headers.get('in-reply-to') ?? []), messageIdsIn(headers.get('references') ?? [])),
    from: senderOf(mail.from),
    subject: typeof mail.subject === 'string' ? storable(mail.subject) : '',
    contentType: contentTypeOf(headers),
    headers,
    recipients: [...mailboxesOf(mail.to), ...mailboxesOf(mail.cc)],
    replyTo: mailboxesOf(mail.replyTo),
    text,
    files: (mail.attachments ?? []).map((a) => ({
      // mailparser's types say string, but a part with a repeated or odd header can give something else.
      filename: typeof a.filename === 'string' ? a.filename : null,
      // Kept as declared (serving decides by type, never trusting it), within its column (255).
      contentType: (typeof a.contentType === 'string' && storable(a.contentType).slice(0, 255)) || 'application/octet-stream',
      content: a.content,
      inline: a.related === true,
    })),
  };
}

/**
 * Whether a multipart mail has no part to read: its boundary is missing, or never met in its body
 * (a broken script, an old gateway), and nothing was read from it. Its body is then read as it
 * stands, so that the sender's words reach the ticket rather than `(no text)`.
 */
function unparted(mail: LibraryMail, headers: MailHeaders, raw: Buffer): boolean {
  const type = contentTypeOf(headers);
  if (!/^\s*multipart\//i.test(type)) return false;
  if (typeof mail.html === 'string' || (mail.attachments ?? []).length > 0 || (typeof mail.text === 'string' && mail.text.trim() !== '')) return false;
  const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (boundary === null) return true;
  return !raw.toString('latin1').split(/\r?\n/).some((line) => line.startsWith(`--${boundary[1] ?? boundary[2]}`));
}

/** A raw message's body (after the first empty line) as UTF-8 text, trimmed; empty when there is none. */
function bodyOf(raw: Buffer): string {
  const text = raw.toString('utf8');
  const end = /\r?\n\r?\n/.exec(text);
  return end === null ? '' : text.slice(end.index + end[0].length).trim();
}

/**
 * A mail as the email channel reads it (on the parse thread, mimeThread.ts): parsed, and with the
 * text its reply adds when it may answer a ticket, so that the reply parser runs off the main
 * thread too, and only for mail that needs it.
 */
export async function readMail(raw: Buffer): Promise<ParsedMail> {
  const mail = await parseMail(raw);
  const mayAnswer = mail.references.length > 0 || subjectTicketId(mail.subject) !== null;
  return mayAnswer ? { ...mail, reply: stripQuotedHistory(mail.text) } : mail;
}

/**
 * The Message-ID of a raw message read from its header only, for mail too large to parse; null
 * when there is none. (The header ends at the first empty line.)
 */
export function headerMessageId(raw: Buffer): string | null {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const header = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:\s*(.+)$/im.exec(header);
  return match ? normaliseMessageId(match[1]!) || null : null;
}

/** The header of a raw message (kept as the original of a mail refused for its size). */
export function headerOf(raw: Buffer): Buffer {
  const head = raw.subarray(0, 256 * 1024);
  const text = head.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? head : head.subarray(0, end);
}

/** The sender's address as the raw From header gives it (lower-case; empty when none is seen), without parsing the mail. */
export function headerSenderAddress(raw: Buffer): string {
  const from = headerField(raw, 'From').replaceAll('\u0000', '');
  return (/<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(from)?.[0] ?? '').toLowerCase();
}

/** A header field read from the raw header (From, Subject) for mail too large to parse. */
export function headerField(raw: Buffer, name: string): string {
  const header = headerOf(raw).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(header);
  return match ? storable(match[1]!).trim() : '';
}

/**
 * A ParsedMail every field of which the databases can store: without NUL characters, which
 * PostgreSQL text refuses (a header, a name, a decoded text may hold them).
 */
export function storableMail(mail: ParsedMail): ParsedMail {
  return {
    ...mail,
    messageId: mail.messageId === null ? null : withoutNul(mail.messageId),
    references: mail.references.map(withoutNul),
    from: mail.from === null ? null : { address: withoutNul(mail.from.address), name: withoutNul(mail.from.name) },
    ...(mail.replyTo === undefined ? {} : { replyTo: mail.replyTo.map((m) => ({ address: withoutNul(m.address), name: withoutNul(m.name) })) }),
    subject: withoutNul(mail.subject),
    contentType: withoutNul(mail.contentType),
    headers: new Map([...mail.headers].map(([name, values]) => [name, values.map(withoutNul)])),
    text: withoutNul(mail.text),
    ...(mail.reply === undefined ? {} : { reply: withoutNul(mail.reply) }),
    files: mail.files.map((f) => ({ ...f, filename: f.filename === null ? null : withoutNul(f.filename), contentType: withoutNul(f.contentType) })),
  };
}
