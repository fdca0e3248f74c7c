import { describe, expect, it } from 'vitest';
import {
  type AttachmentReader,
  asciiFilename,
  checkAttachments,
  dispositionOf,
  type FileFacts,
  filenameProblem,
  MAX_FILE_BYTES,
  MAX_FILES,
  MAX_MESSAGE_BYTES,
  mayRead,
  refusedTypeProblem,
  servedTypeOf,
  shortenedFilename,
  storedContentType,
} from '../../src/core/attachments.js';
import { errorOf } from '../support/errors.js';

const MB = 1024 * 1024;

function file(over: Partial<FileFacts> = {}): FileFacts {
  return { filename: 'report.pdf', contentType: 'application/pdf', size: 1000, ...over };
}

describe('the limits of §10.1', () => {
  it('are 10 MB a file, 10 files and 25 MB a message', () => {
    expect([MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES]).toEqual([10 * MB, 10, 25 * MB]);
  });

  it.each<[string, FileFacts[]]>([
    ['no files', []],
    ['one small file', [file()]],
    ['a file of exactly 10 MB', [file({ size: 10 * MB })]],
    ['ten files', Array.from({ length: 10 }, () => file())],
    ['exactly 25 MB together', [file({ size: 10 * MB }), file({ size: 10 * MB }), file({ size: 5 * MB })]],
    ['an empty file with a name', [file({ size: 0 })]],
  ])('accept %s', (_name, files) => {
    expect(() => checkAttachments(files)).not.toThrow();
  });

  it.each<[string, FileFacts[], RegExp]>([
    ['a file one byte over 10 MB', [file({ size: 10 * MB + 1 })], /larger than 10 MB/],
    ['eleven files', Array.from({ length: 11 }, () => file()), /At most 10 files/],
    ['25 MB and one byte together', [file({ size: 10 * MB }), file({ size: 10 * MB }), file({ size: 5 * MB + 1 })], /larger than 25 MB/],
  ])('refuse %s with a 413 naming the field attachments', (_name, files, message) => {
    const error = errorOf(() => checkAttachments(files));
    expect(error.code).toBe('payload_too_large');
    expect(error.message).toMatch(message);
    expect(error.fields.attachments).toMatch(message);
  });

  it('check sizes before names: an oversized .html file is a 413', () => {
    expect(errorOf(() => checkAttachments([file({ filename: 'x.html', size: 11 * MB })])).code).toBe('payload_too_large');
  });
});

describe('file names', () => {
  it.each(['report.pdf', 'Screenshot 2026-12-02 at 10.15.png', 'Überweisung (Kopie).pdf', '報告.txt', '.profile', 'a..b.txt', 'n'.repeat(255), '😀'.repeat(255)])('take %j', (name) => {
    expect(filenameProblem(name)).toBeNull();
  });

  it.each<[string, string, RegExp]>([
    ['empty', '', /no name/],
    ['blank', '   ', /no name/],
    ['a parent folder', '../x', /\/ or \\/],
    ['a path', 'etc/passwd', /\/ or \\/],
    ['a Windows path', '..\\boot.ini', /\/ or \\/],
    ['a NUL', 'a\u0000.png', /control characters/],
    ['a newline', 'a\nb.txt', /control characters/],
    ['a tab', 'a\tb.txt', /control characters/],
    ['DEL', 'a\u007f.txt', /control characters/],
    ['a C1 control', 'a\u0085.txt', /control characters/],
    ['a right-to-left override', 'invoice\u202egpj.exe', /control characters/],
    ['an Arabic letter mark (invisible, like the right-to-left mark)', 'invoice\u061c.pdf.exe', /control characters/],
    ['a right-to-left mark', 'invoice\u200f.pdf', /control characters/],
    ['a single dot', '.', /not a file name/],
    ['two dots', '..', /not a file name/],
    ['256 characters', 'n'.repeat(256), /at most 255 characters \(one has 256\)/],
  ])('refuse %s', (_name, filename, message) => {
    expect(filenameProblem(filename)).toMatch(message);
    const error = errorOf(() => checkAttachments([file({ filename })]));
    expect(error.code).toBe('invalid_input');
    expect(error.fields.attachments).toMatch(message);
  });

  it('never repeat a control character in the message', () => {
    expect(filenameProblem('a\u001b[31m.txt')).not.toContain('\u001b');
  });
});

describe('shortenedFilename: a name cut to 255 characters keeps what it is', () => {
  const long = 'Quarterly report '.repeat(20);
  it.each<[string, string, string]>([
    ['a short name, unchanged', 'report.pdf', 'report.pdf'],
    ['exactly 255 characters, unchanged', `${'n'.repeat(251)}.pdf`, `${'n'.repeat(251)}.pdf`],
    ['256 characters: the stem loses one', `${'n'.repeat(252)}.pdf`, `${'n'.repeat(251)}.pdf`],
    ['a long name keeps its extension', `${long}.pdf`, `${long.slice(0, 251).trimEnd()}.pdf`],
    ['a web page stays one (so it is still refused by name)', `${long}.html`, `${long.slice(0, 250).trimEnd()}.html`],
    ['only the last extension', `${long}.tar.gz`, `${long.slice(0, 252).trimEnd()}.gz`],
    ['characters, not UTF-16 units', `${'😀'.repeat(300)}.png`, `${'😀'.repeat(251)}.png`],
    ['no extension: cut at the end', 'x'.repeat(300), 'x'.repeat(255)],
    ['a "dot" with a space after it is no extension', `${'x'.repeat(300)}. pdf`, 'x'.repeat(255)],
    ['a stem cut before dots loses them', `${'a'.repeat(249)}....${'b'.repeat(10)}.txt`, `${'a'.repeat(249)}.txt`],
  ])('%s', (_case, name, shortened) => {
    expect(shortenedFilename(name)).toBe(shortened);
    expect([...shortenedFilename(name)].length).toBeLessThanOrEqual(255);
    expect(filenameProblem(shortenedFilename(name))).toBeNull();
  });

  it('a web page so shortened is refused as the whole name would be', () => {
    expect(refusedTypeProblem(shortenedFilename(`${long}.html`), 'application/octet-stream')).toMatch(/\.html files are not accepted/);
  });
});

describe('refused types (anything a browser would run as a page)', () => {
  it.each<[string, string]>([
    ['page.html', 'application/octet-stream'],
    ['PAGE.HTM', 'application/octet-stream'],
    ['doc.xhtml', 'application/octet-stream'],
    ['logo.svg', 'application/octet-stream'],
    ['logo.SVGZ', 'application/octet-stream'],
    ['page.html.', 'application/octet-stream'],
    ['page.html ', 'application/octet-stream'],
    ['notes.txt', 'text/html'],
    ['notes.txt', 'Text/HTML; charset=utf-8'],
    ['picture.png', 'image/svg+xml'],
    ['doc.xml', 'application/xhtml+xml'],
    // XHTML's other registered extension, server-side-include HTML, and saved web archives (MHTML).
    ['page.xht', 'application/octet-stream'],
    ['page.SHTML', 'application/octet-stream'],
    ['saved.mht', 'application/octet-stream'],
    ['saved.mhtml', 'application/octet-stream'],
  ])('%s declared %s', (filename, contentType) => {
    expect(refusedTypeProblem(filename, contentType)).toMatch(/not accepted/);
    expect(errorOf(() => checkAttachments([file({ filename, contentType })])).code).toBe('invalid_input');
  });

  it.each<[string, string]>([
    ['report.pdf', 'application/pdf'],
    ['page.html.txt', 'text/plain'],
    ['photo.png', 'image/png'],
    ['svg-notes.txt', 'text/plain'],
    ['data.xml', 'application/xml'],
  ])('but not %s declared %s', (filename, contentType) => {
    expect(refusedTypeProblem(filename, contentType)).toBeNull();
  });
});

describe('the type a file is kept with (storedContentType)', () => {
  it.each<[string, string]>([
    ['image/png', 'image/png'],
    ['Image/PNG; name="a.png"', 'image/png'],
    ['  text/plain ; charset=utf-8', 'text/plain'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    [`a/${'b'.repeat(127)}`, `a/${'b'.repeat(127)}`],
    [`a/${'b'.repeat(128)}`, 'application/octet-stream'],
    [`application/${'x'.repeat(300)}`, 'application/octet-stream'],
    ['text/pl\u0000ain', 'application/octet-stream'],
    ['image/png\u0001', 'application/octet-stream'],
    ['tëxt/plain', 'application/octet-stream'],
    ['nonsense', 'application/octet-stream'],
    ['text/', 'application/octet-stream'],
    ['', 'application/octet-stream'],
  ])('%j is kept as %j', (declared, kept) => {
    expect(storedContentType(declared)).toBe(kept);
  });
});

describe('serving', () => {
  it.each<[string, 'inline' | 'attachment', string]>([
    ['image/png', 'inline', 'image/png'],
    ['image/jpeg', 'inline', 'image/jpeg'],
    ['IMAGE/GIF', 'inline', 'image/gif'],
    ['image/webp; q=1', 'inline', 'image/webp'],
    ['application/pdf', 'attachment', 'application/octet-stream'],
    ['text/plain; charset=utf-8', 'attachment', 'application/octet-stream'],
    ['text/html', 'attachment', 'application/octet-stream'],
    ['image/svg+xml', 'attachment', 'application/octet-stream'],
    ['image/bmp', 'attachment', 'application/octet-stream'],
    ['image/x-icon', 'attachment', 'application/octet-stream'],
    ['', 'attachment', 'application/octet-stream'],
  ])('%j: %s, served as %s', (contentType, kind, served) => {
    expect(dispositionOf(contentType, 'f.bin').split(';')[0]).toBe(kind);
    expect(servedTypeOf(contentType)).toBe(served);
  });

  it('names the file twice: a quoted ASCII fallback and the exact UTF-8 name (RFC 5987)', () => {
    expect(dispositionOf('application/pdf', 'Überweisung (Kopie).pdf')).toBe(`attachment; filename="_berweisung (Kopie).pdf"; filename*=UTF-8''%C3%9Cberweisung%20%28Kopie%29.pdf`);
    expect(dispositionOf('image/png', "it's*.png")).toBe(`inline; filename="it's*.png"; filename*=UTF-8''it%27s%2A.png`);
  });

  it.each<[string, string]>([
    ['plain.pdf', 'plain.pdf'],
    ['quote".pdf', 'quote_.pdf'],
    ['back\\slash.pdf', 'back_slash.pdf'],
    ['semi;colon%20.pdf', 'semi_colon_20.pdf'],
    ['報告.pdf', 'attachment.pdf'],
    ['報告', 'attachment'],
    ['Café.txt', 'Caf_.txt'],
  ])('ASCII fallback of %j is %j', (name, fallback) => {
    expect(asciiFilename(name)).toBe(fallback);
  });
});

describe('who may read a file (mayRead)', () => {
  const agent = (id: number) => ({ staff: { id, role: 'agent' as const } });
  const admin = { staff: { id: 9, role: 'admin' as const } };
  const open = (agentId: number | null) => ({ status: 'open' as const, agentId });
  const closed = (agentId: number | null) => ({ status: 'closed' as const, agentId });
  it.each<[string, AttachmentReader, { ticketId: number; messageKind: 'customer' | 'reply' | 'note' }, { status: 'open' | 'closed'; agentId: number | null }, boolean]>([
    ['the ticket’s agent', agent(1), { ticketId: 5, messageKind: 'customer' }, open(1), true],
    ['the ticket’s agent, a note’s file, closed ticket', agent(1), { ticketId: 5, messageKind: 'note' }, closed(1), true],
    ['any agent, a pending ticket', agent(2), { ticketId: 5, messageKind: 'customer' }, open(null), true],
    ['another agent', agent(2), { ticketId: 5, messageKind: 'customer' }, open(1), false],
    ['another agent, closed ticket', agent(2), { ticketId: 5, messageKind: 'reply' }, closed(1), false],
    ['an admin, any ticket', admin, { ticketId: 5, messageKind: 'note' }, closed(1), true],
    ['the customer, own ticket, own message', { customerOfTicket: 5 }, { ticketId: 5, messageKind: 'customer' }, open(1), true],
    ['the customer, own ticket, a reply', { customerOfTicket: 5 }, { ticketId: 5, messageKind: 'reply' }, closed(1), true],
    ['the customer, own ticket, a note', { customerOfTicket: 5 }, { ticketId: 5, messageKind: 'note' }, open(1), false],
    ['the customer of another ticket', { customerOfTicket: 6 }, { ticketId: 5, messageKind: 'customer' }, open(1), false],
  ])('%s → %s', (_name, reader, file, ticket, allowed) => {
    expect(mayRead(reader, file, ticket)).toBe(allowed);
  });
});
