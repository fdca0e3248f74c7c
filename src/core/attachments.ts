/**
 * Attachments (SPEC §10.1): how many and how large, which names and types are taken, and how a
 * stored file is served. Pure: no I/O. Every way a file arrives (ticket form, status-page reply,
 * staff reply or note, mail) and every route that serves one decides here.
 */
import { isPublic, type MessageKind, maySee, type TicketForWriting, type Writer } from './conversation.js';
import { DomainError, invalidInput } from './errors.js';
import { sizeInWords } from './fileSize.js';

/** The form field that carries files (§10.1); errors about files name it. */
export const ATTACHMENTS_FIELD = 'attachments';
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_FILES = 10;
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Longest file name, in characters (what common file systems keep). */
export const MAX_FILENAME_CHARS = 255;

/**
 * Types that a browser would run as a page (scripts included) if it ever showed them. Decision:
 * they are refused at upload (400) rather than only served as downloads: a help desk has no need
 * for them (a screenshot or a PDF says the same), and a file that is never stored can never be
 * served inline by a later mistake, another client, or a mail program that renders HTML.
 */
// `.xht` is XHTML's other registered extension, `.shtml` HTML with server-side includes, and
// `.mht`/`.mhtml` a saved web page with its parts, which browsers open as a page.
const REFUSED_EXTENSIONS = ['.html', '.htm', '.xhtml', '.xht', '.shtml', '.mht', '.mhtml', '.svg', '.svgz'];
const REFUSED_TYPES = ['text/html', 'image/svg+xml', 'application/xhtml+xml'];

/** Images a browser only ever draws (never runs): the only files shown inline. */
const INLINE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** What is known about one received file before it is kept. */
export interface FileFacts {
  filename: string;
  contentType: string;
  /** Bytes received (more than the limit when the file was cut off while reading). */
  size: number;
}

/** The media type of a Content-Type value, lower case, without parameters (`Text/HTML; x` → `text/html`). */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase();
}

// A media type as `type/subtype` (RFC 6838 restricted names, 127 characters each): nothing that
// could close a header or add a parameter, and within the 255 characters its column holds.
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * The type a received file is kept (and mailed) with: its declared media type, lower case,
 * without parameters; `application/octet-stream` when what was declared is no media type (over
 * 255 characters, a control character, no subtype). The declared type only ever describes a file:
 * serving decides by it (servedTypeOf) without trusting it, so nothing is lost by the fallback, and
 * a client's odd header can neither fail the write (PostgreSQL holds no NUL, and 255 characters)
 * nor reach a mail header.
 */
export function storedContentType(declared: string): string {
  const type = mediaTypeOf(declared);
  return MEDIA_TYPE.test(type) ? type : 'application/octet-stream';
}

// C0 and C1 controls, and every invisible bidirectional control (Unicode's Bidi_Control: the
// overrides that make `report<U+202E>fdp.exe` look like `reportexe.pdf`, the isolates, and the
// marks, the Arabic letter mark U+061C among them, which a hand-made list once left out).
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\p{Bidi_Control}]/u;

/** A name with the characters filenameProblem refuses taken out (a mail's names are mended, not refused). */
export function withoutUnsafeCharacters(filename: string): string {
  return filename.replace(new RegExp(UNSAFE_CHARACTERS.source, 'gu'), '');
}

/** Why this file name is refused, or null when it is fine. */
export function filenameProblem(filename: string): string | null {
  if (filename.trim() === '') return 'A file has no name.';
  if (/[/\\]/.test(filename)) return `“${printable(filename)}”: a file name cannot hold / or \\ (a folder path).`;
  if (UNSAFE_CHARACTERS.test(filename)) return `“${printable(filename)}”: the file name holds control characters.`;
  if (filename === '.' || filename === '..') return `“${filename}” is not a file name.`;
  const length = [...filename].length;
  if (length > MAX_FILENAME_CHARS) return `A file name may have at most ${MAX_FILENAME_CHARS} characters (one has ${length}).`;
  return null;
}

// What a name ends with that says what the file is: `.pdf`, `.docx`, `.tar.gz`'s `.gz`.
const EXTENSION = /\.[^.\s]{1,16}$/u;

/**
 * A name cut to `max` characters that keeps its extension: `<start of the name>.pdf`, never the
 * first `max` characters alone, which drop it (the file then opens with nothing, and a note naming
 * what was left out of a message hides what it was). A name without an extension is cut at the end;
 * the stem's cut end loses trailing spaces and dots, which Windows drops on saving anyway.
 */
export function shortenedFilename(filename: string, max: number = MAX_FILENAME_CHARS): string {
  const chars = [...filename];
  if (chars.length <= max) return filename;
  const extension = EXTENSION.exec(filename)?.[0] ?? '';
  const room = max - [...extension].length;
  if (extension === '' || room < 1) return chars.slice(0, max).join('');
  const stem = chars.slice(0, room).join('').replace(/[. ]+$/, '');
  return `${stem === '' ? chars.slice(0, room).join('') : stem}${extension}`;
}

/** Why this kind of file is refused (by name or declared type), or null when it is taken. */
export function refusedTypeProblem(filename: string, contentType: string): string | null {
  // Windows drops trailing dots and spaces when saving, so `page.html. ` is saved as `page.html`.
  const name = filename.toLowerCase().replace(/[. ]+$/, '');
  const extension = REFUSED_EXTENSIONS.find((ext) => name.endsWith(ext));
  if (extension) return `“${printable(filename)}”: ${extension} files are not accepted (they could run as a web page). Send a PDF or a screenshot instead.`;
  const type = mediaTypeOf(contentType);
  if (REFUSED_TYPES.includes(type)) return `“${printable(filename)}”: files of type ${type} are not accepted (they could run as a web page). Send a PDF or a screenshot instead.`;
  return null;
}

/**
 * Checks a message's files against §10.1: too many or too large is a 413, a bad name or a refused
 * type a 400; both name the field `attachments`. Throws the error to answer.
 */
export function checkAttachments(files: readonly FileFacts[]): void {
  if (files.length > MAX_FILES) throw tooManyFiles();
  const big = files.find((f) => f.size > MAX_FILE_BYTES);
  if (big) throw tooLarge(`“${printable(big.filename)}” is larger than ${sizeInWords(MAX_FILE_BYTES)}: each file may be at most ${sizeInWords(MAX_FILE_BYTES)}.`);
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_MESSAGE_BYTES) throw tooLarge(`The files together are larger than ${sizeInWords(MAX_MESSAGE_BYTES)}, the most one message may carry.`);
  for (const file of files) {
    const problem = filenameProblem(file.filename) ?? refusedTypeProblem(file.filename, file.contentType);
    if (problem) throw invalidInput({ [ATTACHMENTS_FIELD]: problem }, problem);
  }
}

function tooLarge(message: string): DomainError {
  return new DomainError('payload_too_large', message, { [ATTACHMENTS_FIELD]: message });
}

/** More files than one message may carry (413). */
export function tooManyFiles(): DomainError {
  return tooLarge(`At most ${MAX_FILES} files per message.`);
}

/** Whether a file of this declared type may show inline (in the page) rather than download. */
export function showsInline(contentType: string): boolean {
  return INLINE_TYPES.includes(mediaTypeOf(contentType));
}

/**
 * The Content-Type a stored file is served with. Decision: the four inline image types as
 * themselves; everything else, plain text included, as `application/octet-stream`. With
 * `attachment` the browser saves the file under its name whatever the type, so nothing is lost for
 * people, and no browser, download manager or old client can ever render it as a page; the
 * declared type stays in the API's attachment list.
 */
export function servedTypeOf(contentType: string): string {
  return showsInline(contentType) ? mediaTypeOf(contentType) : 'application/octet-stream';
}

/**
 * The Content-Disposition a stored file is served with (§10.1): `inline` only for PNG, JPEG, GIF
 * and WebP, else `attachment`; always an ASCII `filename` fallback (for old clients) and the exact
 * name as RFC 5987 `filename*`.
 */
export function dispositionOf(contentType: string, filename: string): string {
  const kind = showsInline(contentType) ? 'inline' : 'attachment';
  return `${kind}; filename="${asciiFilename(filename)}"; filename*=UTF-8''${rfc5987(filename)}`;
}

/**
 * A quoted-string-safe ASCII stand-in for a name: anything outside printable ASCII, quotes,
 * backslashes, `%` (some clients decode it) and `;` become `_`; a name left with nothing but
 * underscores and dots (a wholly non-Latin one) becomes `attachment` with its extension.
 */
export function asciiFilename(filename: string): string {
  const safe = [...filename].map((c) => (/^[\x20-\x7e]$/.test(c) && !/["\\%;]/.test(c) ? c : '_')).join('');
  if (/[A-Za-z0-9]/.test(safe.replace(/\.[^.]*$/, ''))) return safe;
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(safe)?.[0] ?? '';
  return `attachment${extension}`;
}

/** RFC 5987 ext-value text: UTF-8 percent-encoded, leaving only attr-char. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A name as it may appear in a message to a person: controls shown as `?`, cut to 80 characters. */
function printable(filename: string): string {
  const shown = filename.replace(new RegExp(UNSAFE_CHARACTERS.source, 'gu'), '?');
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

/** Who asks for a stored file: staff (by session or token), or whoever holds a ticket's status token. */
export type AttachmentReader = { staff: Writer } | { customerOfTicket: number };

/**
 * Whether a reader may have a file (§10.1): staff whoever may see its ticket (§9), the customer only
 * the files of the status token's own ticket, and never a note's. Everyone else is told the file
 * does not exist (404), so an id says nothing about what it names.
 */
export function mayRead(reader: AttachmentReader, file: { ticketId: number; messageKind: MessageKind }, ticket: TicketForWriting): boolean {
  if ('staff' in reader) return maySee(reader.staff, ticket);
  return reader.customerOfTicket === file.ticketId && isPublic(file.messageKind);
}
