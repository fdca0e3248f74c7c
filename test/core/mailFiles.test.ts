/** A received mail's files (src/core/mailFiles.ts, §10.1), table by table: their names, which are kept, the note naming the rest. */
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, MAX_MESSAGE_BYTES } from '../../src/core/attachments.js';
import { keptMailFiles, leftFilesNote, type MailFile, mailFilename } from '../../src/core/mailFiles.js';

const MB = 1024 * 1024;

describe('mailFilename', () => {
  it.each<[string | null | undefined, number, string]>([
    ['report.pdf', 0, 'report.pdf'],
    ['Rechnung März.pdf', 0, 'Rechnung März.pdf'],
    [null, 0, 'attachment-1'],
    [undefined, 2, 'attachment-3'],
    ['', 0, 'attachment-1'],
    ['   ', 0, 'attachment-1'],
    ['.', 0, 'attachment-1'],
    ['..', 4, 'attachment-5'],
    // Folders are no part of a name (RFC 2183 2.3): its last part is.
    ['../../etc/passwd', 0, 'passwd'],
    ['C:\\Windows\\evil.exe', 0, 'evil.exe'],
    ['/home/carla/scan.pdf', 0, 'scan.pdf'],
    ['scans/', 1, 'attachment-2'],
    ['a/..', 0, 'attachment-1'],
    ['report\u202Efdp.exe', 0, 'reportfdp.exe'],
    ['report\u061C.pdf', 0, 'report.pdf'],
    ['new\r\nline.txt', 0, 'newline.txt'],
    ['x'.repeat(300), 0, 'x'.repeat(255)],
    [`${'x'.repeat(300)}.pdf`, 0, `${'x'.repeat(251)}.pdf`],
  ])('%j (file %d) → %j', (raw, index, name) => {
    expect(mailFilename(raw, index)).toBe(name);
  });
});

describe('mailFilename of a file sent without a name: the extension of its type', () => {
  it.each<[string | null, string, string]>([
    [null, 'application/pdf', 'attachment-1.pdf'],
    [null, 'Application/PDF; name=""', 'attachment-1.pdf'],
    ['', 'image/jpeg', 'attachment-1.jpg'],
    [null, 'image/png', 'attachment-1.png'],
    [null, 'message/rfc822', 'attachment-1.eml'],
    [null, 'text/plain; charset=utf-8', 'attachment-1.txt'],
    [null, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'attachment-1.xlsx'],
    // No guess for a type not listed, nor for one never kept.
    [null, 'application/octet-stream', 'attachment-1'],
    [null, 'application/x-unheard-of', 'attachment-1'],
    [null, 'text/html', 'attachment-1'],
    [null, '', 'attachment-1'],
    // A name the mail gives is kept as it is, whatever the type.
    ['scan', 'application/pdf', 'scan'],
    ['photo.jpeg', 'image/jpeg', 'photo.jpeg'],
  ])('%j of type %j → %j', (raw, type, name) => {
    expect(mailFilename(raw, 0, type)).toBe(name);
  });
});

describe('keptMailFiles: what a message keeps of a mail’s files (§10.1), the rest named', () => {
  const file = (over: Partial<MailFile> = {}): MailFile => ({ filename: 'report.pdf', contentType: 'application/pdf', size: 1000, ...over });

  it('keeps every ordinary file, in order', () => {
    expect(keptMailFiles([file(), file({ filename: 'a.png', contentType: 'image/png' })])).toEqual({ kept: [0, 1], left: [] });
    expect(keptMailFiles([])).toEqual({ kept: [], left: [] });
  });

  it('keeps 10 files, leaves the 11th and later', () => {
    const { kept, left } = keptMailFiles(Array.from({ length: 12 }, (_, i) => file({ filename: `f${i}.txt` })));
    expect(kept).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(left).toEqual([
      { filename: 'f10.txt', why: 'more than 10 files' },
      { filename: 'f11.txt', why: 'more than 10 files' },
    ]);
  });

  it('keeps a file of exactly 10 MB, leaves one byte more', () => {
    expect(keptMailFiles([file({ size: MAX_FILE_BYTES })]).kept).toEqual([0]);
    expect(keptMailFiles([file({ size: MAX_FILE_BYTES + 1 })])).toEqual({ kept: [], left: [{ filename: 'report.pdf', why: 'larger than 10 MB' }] });
  });

  it('keeps up to 25 MB together, leaves what would pass it, and still takes a small file after', () => {
    const files = [file({ size: 10 * MB }), file({ size: 10 * MB }), file({ size: 6 * MB, filename: 'big.zip' }), file({ size: 5 * MB, filename: 'fits.zip' })];
    const { kept, left } = keptMailFiles(files);
    expect(kept).toEqual([0, 1, 3]);
    expect(left).toEqual([{ filename: 'big.zip', why: 'more than 25 MB together' }]);
    expect(files[0]!.size + files[1]!.size + files[3]!.size).toBe(MAX_MESSAGE_BYTES);
  });

  it('leaves files the help desk never serves (HTML, SVG) and bad names, not counting them', () => {
    const files = [
      file({ filename: 'page.html', contentType: 'text/html' }),
      file({ filename: 'logo.svg', contentType: 'image/svg+xml' }),
      file({ filename: 'innocent.png', contentType: 'text/html' }),
      file({ filename: 'PAGE.HTM. ', contentType: 'application/octet-stream' }),
      file({ filename: 'a/b.txt' }),
      file({ filename: 'ok.txt' }),
    ];
    const { kept, left } = keptMailFiles(files);
    expect(kept).toEqual([5]);
    expect(left.map((l) => l.why)).toEqual(Array(5).fill('not a kind of file the help desk serves'));
  });

  it('takes the files attached before inline images, for the 10 files and the 25 MB; kept in the mail\'s order', () => {
    const icons = Array.from({ length: 9 }, (_, i) => file({ filename: `icon${i}.png`, contentType: 'image/png', inline: true }));
    const { kept, left } = keptMailFiles([...icons, file({ filename: 'invoice.pdf' }), file({ filename: 'contract.pdf' })]);
    expect(kept).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 10]);
    expect(left).toEqual([{ filename: 'icon8.png', why: 'more than 10 files' }]);
    const big = keptMailFiles([file({ filename: 'photo.jpg', contentType: 'image/jpeg', size: 9 * MB, inline: true }), file({ size: 9 * MB }), file({ size: 9 * MB, filename: 'b.pdf' })]);
    expect(big).toEqual({ kept: [1, 2], left: [{ filename: 'photo.jpg', why: 'more than 25 MB together' }] });
  });

  it('names what was left in one line of the message', () => {
    expect(leftFilesNote([])).toBe('');
    expect(leftFilesNote([{ filename: 'big.zip', why: 'larger than 10 MB' }, { filename: 'x\r\ny.html', why: 'not a kind of file the help desk serves' }])).toBe(
      '\n\n[Not attached here, see the original mail: big.zip (larger than 10 MB); x y.html (not a kind of file the help desk serves)]',
    );
  });
});
