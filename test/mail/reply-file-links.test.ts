/**
 * A reply whose files are too large for one email (§10.1 allows 25 MB a message; Postfix and
 * Exchange take 10 MB a message by default, attachments' base64 included) still reaches the
 * customer: the files that fit travel as attachments, the others as links to the request's page.
 * A real SMTP server with Postfix's default size limit, both engines.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customerAttachmentPath } from '../../src/http/links.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { PUBLIC_URL, type Testbed, testbed, ticketForm } from './support/testbed.js';

const MB = 1024 * 1024;
/** Postfix's default message_size_limit. */
const POSTFIX_LIMIT = 10_240_000;

for (const dialect of DIALECTS) {
  describe(`${dialect}: a reply with more files than one email carries`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;
    beforeEach(async () => {
      bed = await testbed(dialect);
      smtp = await startSmtpServer({ maxMessageBytes: POSTFIX_LIMIT });
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });

    it('attaches what fits, links the rest to the request’s page in both parts, and is delivered', async () => {
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      const root = await addStaff(bed.ctx, 'root', { role: 'admin' });
      const files = [
        { filename: 'manual part 1.pdf', contentType: 'application/pdf', content: randomBytes(6 * MB) },
        { filename: 'screenshot.png', contentType: 'image/png', content: randomBytes(20_000) },
        { filename: 'manual part 2.pdf', contentType: 'application/pdf', content: randomBytes(6 * MB) },
      ];
      const posted = await postStaffMessage(bed.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'reply', body: 'The manual is attached.', close: false, seen: null, channel: 'web', files });
      const worker = bed.worker(smtp.url);
      expect((await worker.runOnce()).sent).toBe(2);
      expect((await emailsOfTicket(bed.ctx.handle.db, ticket.id)).map((e) => [e.kind, e.status])).toEqual([
        ['created', 'sent'],
        ['reply', 'sent'],
      ]);
      const email = smtp.received.find((e) => e.parsed.subject?.startsWith('Re: '))!;
      expect(email.raw.length).toBeLessThan(POSTFIX_LIMIT);
      expect(email.parsed.attachments.map((a) => a.filename)).toEqual(['manual part 1.pdf', 'screenshot.png']);
      expect(email.parsed.attachments[0]!.content.equals(files[0]!.content)).toBe(true);
      const second = posted.attachments.find((a) => a.filename === 'manual part 2.pdf')!;
      const link = `${PUBLIC_URL}${customerAttachmentPath(ticket.token, second)}`;
      expect(email.parsed.text).toContain(`manual part 2.pdf (6 MB): ${link}`);
      expect(email.parsed.html || '').toContain(`<a href="${link}">manual part 2.pdf</a> (6 MB)`);
      expect(email.parsed.text).not.toContain('manual part 1.pdf');
    });
  });
}
