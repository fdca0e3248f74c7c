/**
 * The worker's log lines carry no customer secret: a mail server's refusal that quotes the status
 * link (as spam filters do) is kept whole in the row for the admin, and logged redacted.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogMailer, type Mailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { listOutbox } from '../../src/repositories/outbox.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { DIALECTS } from '../support/db.js';
import { createAgent, MAIL_FROM, memoryLogger, type Testbed, testbed, ticketForm } from './support/testbed.js';

/** A mail server that refuses every message, quoting the message's first link in its reply. */
const quotingRefuser: Mailer = {
  kind: 'smtp',
  async send(email) {
    const link = /https?:\/\/\S+/.exec(email.text)?.[0] ?? '';
    throw Object.assign(new Error(`554 5.7.1 Message rejected: URL ${link} is listed`), { responseCode: 554 });
  },
  close() {},
};

for (const dialect of DIALECTS) {
  describe(`outbox worker logs (${dialect})`, () => {
    let bed: Testbed;
    beforeEach(async () => {
      bed = await testbed(dialect);
    });
    afterEach(async () => bed.close());

    it('redacts a status link quoted in a mail server’s refusal; the row keeps it for the admin', async () => {
      const ticket = await new TicketIntake(bed.ctx).submit(ticketForm());
      const logger = memoryLogger();
      const worker = new OutboxWorker({ handle: bed.ctx.handle, mailer: quotingRefuser, clock: bed.clock, from: MAIL_FROM, logger });
      expect((await worker.runOnce()).retrying).toBe(1);
      const [row] = await listOutbox(bed.ctx.handle.db);
      expect(row!.last_error).toContain(`/tickets/status/${ticket.token}/`);
      expect(logger.entries).toHaveLength(1);
      expect(logger.entries[0]!.fields.error).toMatch(/554 5\.7\.1 Message rejected: URL https:\/\/help\.example\.com\/tickets\/status\/\[redacted\]\/ is listed/);
      expect(JSON.stringify(logger.entries)).not.toContain(ticket.token);
    });

    it('without SMTP, a reply’s attachments are logged by name, type and size, never their contents', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const ticket = await new TicketIntake(bed.ctx).submit(ticketForm());
      const secret = Buffer.from('TOP-SECRET-FILE-CONTENT '.repeat(40));
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, {
        kind: 'reply',
        body: 'See the file.',
        close: false,
        seen: null,
        channel: 'web',
        files: [{ filename: 'notes.txt', contentType: 'text/plain', content: secret }],
      });
      const logger = memoryLogger();
      const worker = new OutboxWorker({ handle: bed.ctx.handle, mailer: createLogMailer(logger), clock: bed.clock, from: MAIL_FROM, logger });
      expect((await worker.runOnce()).sent).toBe(2);
      const logged = logger.entries.filter((e) => e.level === 'info' && e.message.includes('SMTP_URL is unset'));
      expect(logged.map((e) => e.fields.attachments)).toEqual([undefined, [{ filename: 'notes.txt', contentType: 'text/plain', size: secret.length }]]);
      const everything = JSON.stringify(logger.entries);
      expect(everything).not.toContain('TOP-SECRET-FILE-CONTENT');
      expect(everything).not.toContain(secret.toString('base64').slice(0, 40));
    });
  });
}
