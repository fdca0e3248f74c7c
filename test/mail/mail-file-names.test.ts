/**
 * The names a mail's files are kept under (§10.1), through the real inbound route on both engines.
 * Files are served as downloads (`application/octet-stream`, but for four image types), so the
 * name's extension is all a staff member's computer has to open one by.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { inboundApp } from './support/inbound-app.js';

/** A mail with a text part and these parts after it (each its header lines and body). */
function mailWithParts(messageId: string, parts: readonly string[][]): Buffer {
  const head = ['From: Carla Customer <carla@customer.example>', 'To: support@helpdesk.example', 'Subject: The scans', `Message-ID: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'];
  const body = [['Content-Type: text/plain; charset=utf-8', '', 'Here they are.'], ...parts].flatMap((part) => ['--b', ...part]);
  return Buffer.from([...head, '', ...body, '--b--', ''].join('\r\n'));
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the names of a mail's files`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 });
    const namesOf = async (reference: string) =>
      (
        await inbound.t.ctx.handle.db
          .selectFrom('attachments as a')
          .innerJoin('messages as m', 'm.id', 'a.message_id')
          .select(['a.filename', 'a.content_type'])
          .where('m.ticket_id', '=', Number(reference.slice(3)))
          .orderBy('a.id')
          .execute()
      ).map((f) => `${f.filename} (${f.content_type})`);

    it('a file sent without a name (a scanner, a phone, a forwarded mail) gets one with the extension of its type', async () => {
      const raw = mailWithParts('<names.1@mail.customer.example>', [
        ['Content-Type: application/pdf', 'Content-Transfer-Encoding: base64', '', Buffer.from('%PDF-1.4 scan').toString('base64')],
        ['Content-Type: image/jpeg', 'Content-Disposition: attachment', 'Content-Transfer-Encoding: base64', '', Buffer.from('JPEG bytes').toString('base64')],
        ['Content-Type: message/rfc822', '', 'From: Dan <dan@customer.example>', 'Subject: The printer quote', '', 'Three printers, 499 each.'],
        ['Content-Type: application/x-unheard-of', 'Content-Disposition: attachment', '', 'bytes'],
      ]);
      const result = (await inbound.deliver(raw)).json() as { result: string; ticket: string };
      expect(result.result).toBe('created');
      expect(await namesOf(result.ticket)).toEqual([
        'attachment-1.pdf (application/pdf)',
        'attachment-2.jpg (image/jpeg)',
        'attachment-3.eml (message/rfc822)',
        'attachment-4 (application/x-unheard-of)',
      ]);
    });

    it('a name with folders in it (an old mail program, a script) is its last part, as RFC 2183 asks', async () => {
      // The Windows path as a quoted string writes it (each backslash a quoted pair).
      const raw = mailWithParts('<names.2@mail.customer.example>', [
        ['Content-Type: application/pdf; name="C:\\\\Users\\\\carla\\\\Documents\\\\invoice 113.pdf"', 'Content-Disposition: attachment; filename="C:\\\\Users\\\\carla\\\\Documents\\\\invoice 113.pdf"', '', '%PDF'],
        ['Content-Type: text/plain', 'Content-Disposition: attachment; filename="../../etc/printer.log"', '', 'log'],
        ['Content-Type: text/plain', "Content-Disposition: attachment; filename*=UTF-8''%2Fhome%2Fcarla%2FBest%C3%A4tigung.txt", '', 'ok'],
        ['Content-Type: image/png', 'Content-Disposition: attachment; filename="scans/"', '', 'png'],
      ]);
      const result = (await inbound.deliver(raw)).json() as { result: string; ticket: string };
      expect(result.result).toBe('created');
      expect(await namesOf(result.ticket)).toEqual(['invoice 113.pdf (application/pdf)', 'printer.log (text/plain)', 'Bestätigung.txt (text/plain)', 'attachment-4.png (image/png)']);
    });
  });
}
