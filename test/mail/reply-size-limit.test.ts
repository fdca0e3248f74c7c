/**
 * A reply's files travel in its email as far as the customer's mail server takes them: the SIZE the
 * SMTP server advertises in its EHLO answer (learned by the outbox worker), else MAIL_MAX_MESSAGE_MB;
 * the others are linked to the request's page. Before, a fixed 7 MB of files (9.6 MB as sent) was
 * refused for good by a server taking 5 MB, and the customer got nothing. Real SMTP servers, both
 * engines.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advertisedMessageSize } from '../../src/repositories/mailServer.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { type Testbed, testbed, ticketForm } from './support/testbed.js';

const MB = 1024 * 1024;
const LIMIT = 5_000_000;

function files(count: number, size: number) {
  return Array.from({ length: count }, (_, i) => ({ filename: `part ${i + 1}.pdf`, contentType: 'application/pdf', content: randomBytes(size) }));
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: a reply's files follow the mail server's size limit`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;
    beforeEach(async () => {
      bed = await testbed(dialect);
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });

    /** Waits for the worker's first question to the mail server (asked beside its round) to be recorded. */
    async function serverAsked() {
      for (let i = 0; i < 400; i++) {
        if (await bed.ctx.handle.db.selectFrom('mail_server').select('id').executeTakeFirst()) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('the worker never recorded what the mail server advertised');
    }

    async function reply(sent: ReturnType<typeof files>) {
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      const root = await addStaff(bed.ctx, 'root', { role: 'admin' });
      await postStaffMessage(bed.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'reply', body: 'The manual is attached.', close: false, seen: null, channel: 'web', files: sent });
      return ticket;
    }

    it('a server advertising SIZE 5,000,000: what fits in it is attached, the rest linked, and it is delivered', async () => {
      smtp = await startSmtpServer({ maxMessageBytes: LIMIT });
      const worker = bed.worker(smtp.url);
      // The worker asks the server in its first round (and every 10 minutes after).
      await worker.runOnce();
      await serverAsked();
      expect(await advertisedMessageSize(bed.ctx.handle.db)).toBe(LIMIT);
      const ticket = await reply(files(3, 2 * MB));
      expect((await worker.runOnce()).sent).toBe(2);
      expect((await emailsOfTicket(bed.ctx.handle.db, ticket.id)).map((e) => [e.kind, e.status])).toEqual([
        ['created', 'sent'],
        ['reply', 'sent'],
      ]);
      const email = smtp.received.find((e) => e.parsed.subject?.startsWith('Re: '))!;
      expect(email.raw.length).toBeLessThan(LIMIT);
      expect(email.parsed.attachments.map((a) => a.filename)).toEqual(['part 1.pdf']);
      expect(email.parsed.text).toMatch(/part 2\.pdf \(2 MB\): https:\/\//);
      expect(email.parsed.text).toMatch(/part 3\.pdf \(2 MB\): https:\/\//);
    });

    it('a server advertising no SIZE: MAIL_MAX_MESSAGE_MB decides', async () => {
      smtp = await startSmtpServer();
      bed.ctx.mailMaxMessageBytes = 3 * MB;
      const worker = bed.worker(smtp.url);
      await worker.runOnce();
      await serverAsked();
      expect(await advertisedMessageSize(bed.ctx.handle.db)).toBeNull();
      await reply(files(3, MB));
      expect((await worker.runOnce()).sent).toBe(2);
      const email = smtp.received.find((e) => e.parsed.subject?.startsWith('Re: '))!;
      expect(email.raw.length).toBeLessThan(3 * MB);
      expect(email.parsed.attachments.map((a) => a.filename)).toEqual(['part 1.pdf', 'part 2.pdf']);
      expect(email.parsed.text).toMatch(/part 3\.pdf \(1 MB\): https:\/\//);
    });
  });
}
