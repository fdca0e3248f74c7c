/**
 * Reading received mail (§10 Content) on real-shaped mail from real clients (test/fixtures/mail/):
 * the text, the reply without its quoted history or signature, subjects and names decoded,
 * attachments and inline images found, every charset read to the right characters, and never an
 * exception, whatever the bytes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeUtf7, headerField, headerMessageId, headerOf, parseMail, stripQuotedHistory, withLegacyCharset } from '../../src/mail/inbound/parse.js';
import { fixture, FIXTURES } from './support/fixtures.js';

const OUR_ID = '<hd-7.outbox-3.0123456789abcdef@helpdesk.test>';
const read = (name: string) => parseMail(fixture(name, { ourId: OUR_ID, ticket: 7 }));
const header = (mail: Awaited<ReturnType<typeof parseMail>>, name: string) => mail.headers.get(name)?.[0] ?? null;

describe('replies from real clients', () => {
  it('Gmail: multipart/alternative, the "On … wrote:" quote stripped, our Message-ID in its thread', async () => {
    const mail = await read('gmail-reply');
    expect(mail.messageId).toBe('<CAF3k9xQ7yZ2m+Vb1pKq=8nLwR4tE0sJd-wX7h@mail.gmail.com>');
    expect(mail.references).toEqual([OUR_ID]);
    expect(mail.from).toEqual({ address: 'carla@example.com', name: 'Carla Customer' });
    expect(mail.subject).toBe('Re: [HD-7] Printer on fire');
    expect(mail.text).toContain('On Fri, 27 Nov 2026 at 10:02, Helpdesk <support@helpdesk.test> wrote:');
    expect(mail.text).toContain('> We received your request HD-7');
    expect(stripQuotedHistory(mail.text)).toBe('Thanks! The printer works again ✓ — the new toner from the café next door did it. It cost 12 €.\n\nCarla');
    expect(mail.files).toEqual([]);
  });

  it('Outlook: HTML only, turned into text, the "From: … Sent: …" block and its rule stripped', async () => {
    const mail = await read('outlook-reply');
    expect(mail.from).toEqual({ address: 'Carla@Example.COM', name: 'Carla Customer' });
    expect(mail.subject).toBe('RE: [HD-7] Printer on fire');
    expect(mail.references).toEqual([OUR_ID]);
    expect(header(mail, 'thread-index')).toBe('AQHbQ2v5yX8kz3n0Tk2mH1w5Vd8yYw==');
    expect(mail.headers.has('x-auto-response-suppress')).toBe(false);
    expect(mail.text).toMatch(/From: Helpdesk <support@helpdesk\.test>\nSent: Friday, November 27, 2026 10:02 AM/);
    expect(mail.text).not.toMatch(/<div|<b>|&lt;|font-size|margin-top/);
    expect(stripQuotedHistory(mail.text)).toBe('Hello,\n\n\nIt is burning again – the paper tray this time. Über-urgent!');
  });

  it('Apple Mail: quoted-printable, "> " quotes and "Sent from my iPhone" stripped', async () => {
    const mail = await read('apple-mail-reply');
    expect(mail.messageId).toBe('<9E2B4A1C-6F3D-4E8A-B7C5-1D0F2A3B4C5D@example.com>');
    expect(mail.references).toEqual([OUR_ID]);
    expect(mail.text).toContain('Sent from my iPhone');
    expect(stripQuotedHistory(mail.text)).toBe('Still smoking a bit. Grüße aus München, the office on the 2nd floor smells like crème brûlée.');
  });

  it('a forward keeps the forwarded mail: it is what the sender wants us to read', async () => {
    const mail = await read('forward');
    expect(mail.subject).toBe('Fwd: Invoice 2026-113 is wrong');
    expect(mail.references).toEqual([]);
    for (const part of ['Hi, forwarding this from our accountant.', '---------- Forwarded message ---------', 'From: Bob Builder <bob@builder.example>', 'The invoice lists 3 printers at 499,00 € each; we bought 2.']) {
      expect(mail.text).toContain(part);
      expect(stripQuotedHistory(mail.text)).toContain(part);
    }
  });

  it('Thunderbird, format=flowed: a soft line break joins the lines', async () => {
    const mail = await read('other-sender-subject-token');
    expect(mail.from).toEqual({ address: 'eve@other.example', name: 'Eve Colleague' });
    expect(mail.subject).toBe('Re: [HD-7] Printer on fire');
    expect(mail.references).toEqual([]);
    expect(stripQuotedHistory(mail.text)).toBe('Hello, I work with Carla. Our scanner on the 3rd floor is broken too, can someone look at it?\n\nEve');
  });
});

describe('mail no person wrote', () => {
  it('a delivery status report: its type, its sender, the Status, and the returned header with our Message-ID', async () => {
    const mail = await read('dsn-bounce');
    expect(mail.contentType).toMatch(/^multipart\/report; report-type=delivery-status;/);
    expect(mail.from).toEqual({ address: 'MAILER-DAEMON@mx.helpdesk.test', name: 'Mail Delivery System' });
    expect(mail.text).toContain('Status: 5.1.1');
    expect(mail.text).toContain('Diagnostic-Code: smtp; 550 5.1.1 <carla@example.com>');
    const returned = mail.files.find((f) => f.contentType === 'text/rfc822-headers');
    expect(returned?.content.toString()).toContain(`Message-ID: ${OUR_ID}`);
  });

  it.each<[string, string, string]>([
    ['out-of-office', 'auto-submitted', 'auto-replied'],
    ['exchange-autoreply', 'x-auto-response-suppress', 'All'],
    ['autoresponder-x-autoreply', 'x-autoreply', 'yes'],
    ['mailing-list', 'precedence', 'bulk'],
    ['own-mail-loop', 'auto-submitted', 'auto-generated'],
  ])('%s carries %s: %s', async (name, field, value) => {
    const mail = await read(name);
    expect(header(mail, field)).toBe(value);
    expect(mail.from).not.toBeNull();
  });

  it('our own mail coming back has our Message-ID', async () => {
    expect((await read('own-mail-loop')).messageId).toBe(OUR_ID);
  });

  it('the Exchange auto-reply names our email and the ticket', async () => {
    const mail = await read('exchange-autoreply');
    expect(mail.references).toEqual([OUR_ID]);
    expect(mail.subject).toBe('Automatic reply: [HD-7] Printer on fire');
    expect(stripQuotedHistory(mail.text)).toMatch(/^I am on leave and will reply when I am back\. For anything urgent contact my colleague Eve/);
  });
});

describe('charsets and encoded words', () => {
  it('8-bit ISO-8859-1 in header and body, no MIME header at all: every letter right', async () => {
    const mail = await read('latin1-8bit-no-charset');
    expect(mail.subject).toBe('Imprimante du café en panne');
    expect(mail.from).toEqual({ address: 'gerard@vieux-serveur.example', name: 'Gérard Durand' });
    expect(mail.text).toContain("l'imprimante du café ne marche plus depuis la mise à jour. Déjà essayé :");
    expect(mail.text).toContain('Grüße an das Team, ça coûte 15 £ par jour.');
    expect(mail.text).not.toContain('\uFFFD');
  });

  it('windows-1252: €, curly quotes, dashes and the ellipsis', async () => {
    const mail = await read('windows-1252');
    expect(mail.text).toContain('Hi – the invoice says “€ 49,90” but the quote said € 39,90…');
    expect(mail.text).toContain('We’re naïve about fees • please explain.');
  });

  it('UTF-7 under an old name (unicode-1-1-utf-7)', async () => {
    const mail = await read('utf7');
    expect(mail.text.trim()).toBe('The café printer costs €5 a day ✓ and prints "Grüße".');
  });

  it('=?UTF-8?B?…?= subject in two encoded words, and an encoded display name', async () => {
    const mail = await read('subject-utf8-base64');
    expect(mail.subject).toBe('Rechnung für März ✓ – bitte prüfen');
    expect(mail.from).toEqual({ address: 'juergen@example.de', name: 'Jürgen Müller' });
    expect(mail.text.trim()).toBe('Die Rechnung für März ist doppelt angekommen.');
  });

  it('=?ISO-8859-1?Q?…?= subject folded over two lines, and a Latin-1 quoted-printable body', async () => {
    const mail = await read('subject-latin1-qp');
    expect(mail.subject).toBe("Café fermé : l'imprimante est cassée");
    expect(mail.from).toEqual({ address: 'renee@example.fr', name: 'Renée Lefèvre' });
    expect(stripQuotedHistory(mail.text)).toBe("L'imprimante du café est cassée depuis lundi. Merci d'avance !\n\nRenée");
  });

  it('UTF-8 mail with the word "charset" in it is left as it is', () => {
    const raw = Buffer.from('From: a@b.example\r\nSubject: Grüße\r\n\r\nThe charset=utf-7 talk: C++ and 1+1-2 stay.\r\n');
    expect(withLegacyCharset(raw)).toBe(raw);
  });

  it('reads each header line in its own bytes: raw UTF-8 beside raw Latin-1', async () => {
    const raw = Buffer.concat([Buffer.from('From: G\xe9rard <g@x.example>\r\n', 'latin1'), Buffer.from('Subject: Grüße ✓\r\n\r\nhi\r\n')]);
    const mail = await parseMail(raw);
    expect(mail.from?.name).toBe('Gérard');
    expect(mail.subject).toBe('Grüße ✓');
  });

  it.each<[string, string]>([
    ['Hi +AOk-', 'Hi é'],
    ['+IKw-5', '€5'],
    ['+JxM-', '✓'],
    ['A+ImIDkQ.', 'A≢Α.'],
    ['Hi Mom -+Jjo--!', 'Hi Mom -☺-!'],
    ['+ZeVnLIqe-', '日本語'],
    ['1 +- 1', '1 + 1'],
    ['a + b', 'a + b'],
    ['+2D3eAA-', '😀'],
    ['no plus at all', 'no plus at all'],
  ])('decodeUtf7(%j) → %j', (utf7, text) => {
    expect(decodeUtf7(utf7)).toBe(text);
  });

  it('reads 8-bit bytes as windows-1252 only where nothing else is declared', async () => {
    const declared = Buffer.concat([Buffer.from('From: a@b.example\r\nContent-Type: text/plain; charset=iso-8859-2\r\n\r\n'), Buffer.from([0xb1, 0xe6])]);
    expect((await parseMail(declared)).text.trim()).toBe('ąć');
    const folded = Buffer.concat([Buffer.from('From: a@b.example\r\nContent-Type: text/plain;\r\n\tformat=flowed\r\n\r\n'), Buffer.from('na\xefve', 'latin1')]);
    expect((await parseMail(folded)).text.trim()).toBe('naïve');
  });
});

describe('attachments, inline images and HTML', () => {
  it('multipart/related: the inline image (cid) and the PDF attachment, with their names and bytes', async () => {
    const mail = await read('related-inline-image-and-pdf');
    expect(mail.files.map((f) => ({ filename: f.filename, contentType: f.contentType, size: f.content.length, inline: f.inline }))).toEqual([
      { filename: 'screenshot.png', contentType: 'image/png', size: 70, inline: true },
      { filename: 'Rechnung März.pdf', contentType: 'application/pdf', size: 142, inline: false },
    ]);
    expect(mail.files[0]!.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(mail.files[1]!.content.toString('latin1')).toMatch(/^%PDF-1\.4\n[\s\S]*%%EOF\n$/);
    expect(mail.text).toBe('The display shows this error (screenshot below), and the invoice is attached.\n\n[image: screenshot.png]\n\nCarla\n');
  });

  it('HTML only: text, entities decoded, lists kept, no markup, style or script', async () => {
    const mail = await read('html-only');
    expect(mail.from).toEqual({ address: 'hanna@example.net', name: 'Hanna Html' });
    for (const part of ['Hello,', 'I cannot log in since the update — the page says «Session expired».', 'Browser: Firefox 133', 'Account: hanna@example.net', '✗ failed', 'Merci & danke, Résumé of the problem: €0 spent so far.']) {
      expect(mail.text).toContain(part);
    }
    expect(mail.text).not.toMatch(/<|&[a-z]+;|font-family|never shown|ignored title/);
  });

  it('a mail without Message-ID has none, and is known by the hash of its bytes', async () => {
    const raw = fixture('no-message-id');
    const mail = await parseMail(raw);
    expect(mail.messageId).toBeNull();
    expect(mail.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(mail.subject).toBe('Fax machine is beeping');
  });
});

describe('broken mail never throws', () => {
  it('broken MIME (no closing boundary, bad base64, garbage headers, unknown charset): what can be read is read', async () => {
    const mail = await read('broken-mime');
    expect(mail.from).toEqual({ address: 'bruno@broken.example', name: 'Bruno Broken' });
    expect(mail.messageId).toBe('<broken.1795776000@broken.example>');
    expect(mail.subject).toMatch(/^Everything is broken/);
    expect(mail.text).toContain('The printer shows ✓ then =ZZ and stops.');
    expect(mail.text).toContain('The last part is cut off');
    expect(mail.files.map((f) => f.filename)).toEqual(['log.bin']);
  });

  it.each<[string, string, string]>([
    ['no boundary', 'multipart/mixed', 'My printer is on fire.\r\nPlease call me.'],
    ['a boundary that never comes', 'multipart/alternative; boundary="zz"', 'My printer is on fire.\r\nPlease call me.'],
  ])('a multipart mail whose parts cannot be found (%s) is read as its body, not as no text', async (_name, type, body) => {
    const mail = await parseMail(Buffer.from(`From: Carla <carla@example.com>\r\nSubject: Help\r\nMIME-Version: 1.0\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`));
    // Old: '' (the ticket said "(no text)" and the customer's words were only in the original).
    expect(mail.text).toBe('My printer is on fire.\nPlease call me.');
    expect(mail.files).toEqual([]);
  });

  it('a multipart mail with an empty text part and nothing else stays without text', async () => {
    const mail = await parseMail(Buffer.from('From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\r\n--b--\r\n'));
    expect(mail.text.trim()).toBe('');
  });

  it.each<[string, Buffer]>([
    ['nothing', Buffer.alloc(0)],
    ['a blank line', Buffer.from('\r\n\r\n')],
    ['NUL bytes', Buffer.alloc(100)],
    ['binary', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    ['a header without body', Buffer.from('From: a@b.example\r\nSubject: x')],
    ['a From without address', Buffer.from('From: Nobody\r\n\r\nhi')],
    ['two From addresses, the first not valid', Buffer.from('From: not an address, b@c.example\r\n\r\nhi')],
    ['a multipart without boundary', Buffer.from('From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--')],
    ['parts nested 100 deep', Buffer.from(`From: a@b.example\r\n${Array.from({ length: 100 }, (_, i) => `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`).join('')}\r\ndeep`)],
    ['a 1 MB line', Buffer.from(`From: a@b.example\r\n\r\n${'x'.repeat(1024 * 1024)}`)],
    ['a 200 kB header', Buffer.from(`From: a@b.example\r\nX-Big: ${'y'.repeat(200 * 1024)}\r\n\r\nhi`)],
  ])('%s', async (_name, raw) => {
    const mail = await parseMail(raw);
    expect(typeof mail.text).toBe('string');
    expect(typeof stripQuotedHistory(mail.text)).toBe('string');
    expect(mail.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('every fixture', async () => {
    for (const name of FIXTURES) await expect(read(name), name).resolves.toMatchObject({ sha256: expect.any(String) });
  });

  it('decoded headers never hold NUL (PostgreSQL text cannot store it)', async () => {
    const raw = Buffer.from(
      'From: =?UTF-8?B?Q2FyAGxh?= <carla@example.com>\r\nSubject: a=?UTF-8?B?AA==?=b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: image/p\u0000ng\r\nContent-Disposition: attachment; filename=a.png\r\n\r\nxx\r\n--b--\r\n',
      'latin1',
    );
    const mail = await parseMail(raw);
    expect(mail.subject).toBe('ab');
    expect(mail.from).toEqual({ address: 'carla@example.com', name: 'Carla' });
    expect(mail.files.map((f) => f.contentType)).toEqual(['image/png']);
    expect(headerField(Buffer.from('Subject: x\u0000y\r\n\r\n', 'latin1'), 'Subject')).toBe('xy');
  });

  it('a part with an empty Content-Type is a file of type application/octet-stream', async () => {
    const raw = Buffer.from('From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: ; name="a.bin"\r\nContent-Disposition: attachment; filename=x.bin\r\n\r\nxx\r\n--b--\r\n');
    expect((await parseMail(raw)).files.map((f) => [f.filename, f.contentType])).toEqual([['x.bin', 'application/octet-stream']]);
  });

  it('a declared type longer than its column is cut to 255 characters', async () => {
    const raw = Buffer.from(`From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/${'x'.repeat(400)}\r\n\r\nxx\r\n--b--\r\n`);
    expect((await parseMail(raw)).files.map((f) => f.contentType)).toEqual([`application/${'x'.repeat(243)}`]);
  });

  it('the sender is null when From holds no valid address', async () => {
    expect((await parseMail(Buffer.from('From: Nobody\r\n\r\nhi'))).from).toBeNull();
    expect((await parseMail(Buffer.from('Subject: no from\r\n\r\nhi'))).from).toBeNull();
  });
});

describe('stripQuotedHistory', () => {
  it.each<[string, string]>([
    ['Just this.', 'Just this.'],
    ['New text.\n\nOn Mon, 1 Dec 2026 at 09:00, Helpdesk <support@helpdesk.test> wrote:\n> old', 'New text.'],
    ['New text.\n\n________________________________\nFrom: Helpdesk <support@helpdesk.test>\nSent: Monday\n\nold', 'New text.'],
    ['New text.\n\n-----Original Message-----\nFrom: Helpdesk <support@helpdesk.test>\n\nold', 'New text.'],
    ['New text.\n\n-- \nCarla Customer\nAcme Ltd', 'New text.'],
    ['Fortfarande trasig.\n\nFrån: Helpdesk <support@helpdesk.test>\nSkickat: den 1 december 2026 10:00\nTill: Carla <carla@example.com>\nÄmne: [HD-5] Printer\n\nWe received your request.', 'Fortfarande trasig.'],
    ['まだ壊れています。\n\n________________________________\n差出人: Helpdesk <support@helpdesk.test>\n送信日時: 2026年12月1日 10:00\n宛先: carla@example.com\n件名: [HD-5] Printer\n\nWe received your request.', 'まだ壊れています。'],
    ['まだ壊れています。\n\n2026年12月1日(火) 10:00 Helpdesk <support@helpdesk.test>:\n\n> We received your request.', 'まだ壊れています。'],
    ['Nadal nie działa.\n\nwt., 1 gru 2026 o 10:00 Helpdesk <support@helpdesk.test> napisał(a):\n\n> We received your request.', 'Nadal nie działa.'],
    ['\n\nSent from my iPhone\n\n> On 1 Dec 2026, at 10:00, Helpdesk <support@helpdesk.test> wrote:\n> \n> We received your request.\n', ''],
    ['\n\nOn Tue, Dec 1, 2026 at 10:00 AM Helpdesk <support@helpdesk.test> wrote:\n\n> We received your request.\n', ''],
    ['\n\n________________________________\nFrom: Helpdesk <support@helpdesk.test>\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: Carla <carla@example.com>\nSubject: [HD-5] Printer\n\nWe received your request.\n', ''],
    ['-- \nCarla', '-- \nCarla'],
    ['> only a quote', '> only a quote'],
    ['', ''],
  ])('%j → %j', (text, reply) => {
    expect(stripQuotedHistory(text)).toBe(reply);
  });

  it('reads a text with a very long line (a paragraph) as any reply; gives a text over 100 000 characters back whole', () => {
    expect(stripQuotedHistory(`${'x'.repeat(3000)}\n> quote`)).toBe('x'.repeat(3000));
    const huge = `${'Short line.\n'.repeat(9000)}> quote`;
    expect(stripQuotedHistory(huge)).toBe(huge);
  });
});

describe('the header of a mail too large to parse', () => {
  const raw = Buffer.concat([
    Buffer.from('From: "Big Sender" <big@example.com>\r\nSubject: Huge\r\n scan\r\nMessage-ID:\r\n <big.1@example.com>\r\n\r\n'),
    Buffer.alloc(1000, 0x41),
  ]);

  it('is read without parsing the body', () => {
    expect(headerOf(raw).toString()).toBe('From: "Big Sender" <big@example.com>\r\nSubject: Huge\r\n scan\r\nMessage-ID:\r\n <big.1@example.com>');
    expect(headerMessageId(raw)).toBe('<big.1@example.com>');
    expect(headerField(raw, 'Subject')).toBe('Huge scan');
    expect(headerField(raw, 'From')).toBe('"Big Sender" <big@example.com>');
    expect(headerField(raw, 'To')).toBe('');
  });

  it('has no Message-ID when there is none', () => {
    expect(headerMessageId(Buffer.from('From: a@b.example\r\n\r\nMessage-ID: <in-body@x>'))).toBeNull();
  });
});
