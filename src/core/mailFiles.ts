/**
 * The files of a received mail (SPEC §10.1), pure: the name each is saved under, which are kept on
 * its message, and the note naming those left in the original mail.
 */
import { MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES, filenameProblem, mediaTypeOf, refusedTypeProblem, shortenedFilename, withoutUnsafeCharacters } from './attachments.js';
import { sizeInWords } from './fileSize.js';
import { oneLine } from './mailSubject.js';

/** A file found in a mail (an attachment or an inline image). */
export interface MailFile {
  filename: string;
  contentType: string;
  size: number;
  /** An image the HTML shows inline (a signature's logo and icons), rather than a file attached. */
  inline?: boolean;
}

/** Which of a mail's files are kept on its message, and which are left in the original (why). */
export interface KeptFiles {
  /** Indexes into the mail's files, in order. */
  kept: number[];
  /** Files left out (they stay in the original mail), each with its reason. */
  left: { filename: string; why: string }[];
}

/**
 * The extension a file of this media type is saved with, for a file a mail sends without a name
 * ('' for a type not listed: no guess). Files are served as downloads, so without it a staff
 * member's computer cannot tell a PDF from a photo. No extension of a type never kept (HTML, SVG).
 */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/pjpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/heic': '.heic',
  'image/tiff': '.tif',
  'image/bmp': '.bmp',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'text/calendar': '.ics',
  'message/rfc822': '.eml',
  'application/zip': '.zip',
  'application/json': '.json',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
};

/**
 * A file name from a mail made acceptable: its last part when it names folders (RFC 2183 2.3: a
 * name is only ever its terminal component; `C:\\Users\\carla\\invoice.pdf` is `invoice.pdf`), no
 * control characters; for a file sent
 * without a name (a scanner, a phone's photo, a forwarded mail), `attachment-<n>` with the
 * extension of its type (`attachment-2.pdf`, `attachment-3.eml`).
 */
export function mailFilename(raw: string | null | undefined, index: number, contentType = ''): string {
  const name = withoutUnsafeCharacters((raw ?? '').split(/[/\\]/).at(-1)!).trim();
  const unnamed = `attachment-${index + 1}${EXTENSIONS[mediaTypeOf(contentType)] ?? ''}`;
  const usable = name === '' || name === '.' || name === '..' ? unnamed : name;
  return shortenedFilename(usable);
}

/**
 * §10.1 for mail: a mail is never refused for its files; what a message may not carry (an HTML or
 * SVG file, more than 10 files, a file over 10 MB, more than 25 MB together) is left out and named
 * in the message, and stays in the original mail. The files attached come first, inline images
 * after them: a signature's logo and icons (which come first in the mail) must not take the room
 * of the invoice the customer attached.
 */
export function keptMailFiles(files: readonly MailFile[]): KeptFiles {
  const kept: number[] = [];
  const left: KeptFiles['left'] = [];
  let total = 0;
  const order = [...files.keys()].sort((a, b) => Number(files[a]!.inline === true) - Number(files[b]!.inline === true));
  order.forEach((i) => {
    const file = files[i]!;
    const problem = filenameProblem(file.filename) ?? refusedTypeProblem(file.filename, file.contentType);
    if (problem) return left.push({ filename: file.filename, why: 'not a kind of file the help desk serves' });
    if (file.size > MAX_FILE_BYTES) return left.push({ filename: file.filename, why: `larger than ${sizeInWords(MAX_FILE_BYTES)}` });
    if (kept.length >= MAX_FILES) return left.push({ filename: file.filename, why: `more than ${MAX_FILES} files` });
    if (total + file.size > MAX_MESSAGE_BYTES) return left.push({ filename: file.filename, why: `more than ${sizeInWords(MAX_MESSAGE_BYTES)} together` });
    total += file.size;
    kept.push(i);
  });
  return { kept: kept.sort((a, b) => a - b), left };
}

/** The line added to a message naming the files left in the original. */
export function leftFilesNote(left: KeptFiles['left']): string {
  if (left.length === 0) return '';
  return `\n\n[Not attached here, see the original mail: ${left.map((f) => `${oneLine(f.filename)} (${f.why})`).join('; ')}]`;
}
