/**
 * One ticket's emails reach the customer in the order they were written (SPEC §5): in a round of
 * the outbox worker they are sent one after another, while other tickets' emails go out beside them.
 * A real SMTP server records arrival order, and holds the first email back so that a concurrent
 * send would overtake it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { createAgent, type Testbed, testbed, ticketForm } from './support/testbed.js';

const reply = (body: string) => ({ kind: 'reply' as const, body, close: false, seen: null, channel: 'web' as const });

for (const dialect of DIALECTS) {
  describe(`${dialect}: one ticket's emails go out in the order they were written`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;

    beforeEach(async () => {
      bed = await testbed(dialect);
      // The created email of the slow printer (no answer in it) is held 600 ms by the mail server.
      smtp = await startSmtpServer({ delayOf: (raw) => (raw.includes('Slow printer') && !raw.includes('answer.') ? 600 : 0) });
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });

    it('created, then two replies of one ticket arrive in that order in one round; another ticket is not held back', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const slow = await intakeTicket(bed.ctx, ticketForm({ title: 'Slow printer' }));
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, slow.id, reply('First answer.'));
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, slow.id, reply('Second answer.'));
      const other = await intakeTicket(bed.ctx, ticketForm({ title: 'Other thing', email: 'dan@customer.example' }));

      const worker = bed.worker(smtp.url);
      expect(await worker.runOnce()).toMatchObject({ claimed: 4, sent: 4 });

      // A later reply may quote the earlier one: the newest answer a text holds names it.
    const which = (text: string) => (text.includes('Second answer') ? 'second' : text.includes('First answer') ? 'first' : 'created');
    const arrived = smtp.received.map((e) => `${e.parsed.subject ?? ''} | ${which(e.parsed.text ?? '')}`);
      const ofSlow = arrived.filter((a) => a.includes(`[HD-${slow.id}]`)).map((a) => a.split(' | ')[1]);
      expect(ofSlow).toEqual(['created', 'first', 'second']);
      // Other tickets' emails still go out at once: the other ticket's email did not wait for the held one.
      expect(arrived[0]).toContain(`[HD-${other.id}]`);
    });
  });
}
