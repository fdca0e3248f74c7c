/**
 * An email's Date is when the help desk wrote it (its outbox row), not when a try finally got
 * through: RFC 5322 §3.6.1 dates a message when it is ready to enter the mail system, which then
 * queues and retries it without changing it. So after the mail server was down, the customer's
 * mail client dates (and, sorting by date, orders) our emails as the status page does, every try
 * of a row says the same, and a later email never looks older than the one it answers. A real
 * SMTP server, both engines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { closedPort, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { type Testbed, testbed, ticketForm } from './support/testbed.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: the Date of an email`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer | undefined;
    beforeEach(async () => {
      bed = await testbed(dialect);
    });
    afterEach(async () => {
      await bed.close();
      await smtp?.close();
    });

    it('is when it was written, through a mail server outage and its retries', async () => {
      const port = await closedPort();
      const worker = bed.worker(`smtp://127.0.0.1:${port}`);
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      expect((await worker.runOnce()).retrying).toBe(1);

      bed.clock.advance(5 * 60_000);
      const root = await addStaff(bed.ctx, 'root', { role: 'admin' });
      await postStaffMessage(bed.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'reply', body: 'Unplug it, please.', close: false, seen: null, channel: 'web' });
      expect((await worker.runOnce()).retrying).toBe(2);

      smtp = await startSmtpServer({ port });
      bed.clock.advance(2 * 60 * 60_000);
      expect((await worker.runOnce()).sent).toBe(2);
      const rows = await emailsOfTicket(bed.ctx.handle.db, ticket.id);
      expect(rows.map((r) => r.kind)).toEqual(['created', 'reply']);
      for (const row of rows) {
        const email = smtp.received.find((e) => e.messageId?.includes(`.outbox-${row.id}.`))!;
        // Date carries whole seconds.
        expect(email.parsed.date?.getTime()).toBe(Math.floor(row.created_at / 1000) * 1000);
      }
    });
  });
}
