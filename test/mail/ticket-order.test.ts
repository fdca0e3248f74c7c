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

    // Sent one after another, a ticket's emails could outlast the claim's lease (sized for the
    // round's sends side by side): another worker would then take the rest and send them a second
    // time while this one still sent them. A send starts only while it can end within the lease;
    // the rest stay claimed and are taken again once the lease has run out, still in order.
    it('a ticket whose emails would outlast the lease sends only those that end within it; the rest go in a later round', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const ticket = await intakeTicket(bed.ctx, ticketForm({ title: 'Long thread' }));
      for (const n of ['One', 'Two', 'Three']) await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, reply(`Answer ${n}.`));
      // A mail server that takes a whole minute over each email (the clock is the worker's).
      const slow = await startSmtpServer({
        delayOf: () => {
          bed.clock.advance(60_000);
          return 0;
        },
      });
      try {
        // One turn of sends side by side: a lease of one timeout (2 min) and a minute to record.
        const worker = bed.worker(slow.url, { batchSize: 5, sendsAtOnce: 5 });
        const first = await worker.runOnce();
        expect(first.claimed).toBe(4);
        expect(slow.received).toHaveLength(1);
        // The others are still claimed: nobody takes them before the lease has run out …
        expect(await bed.worker(slow.url, { batchSize: 5, sendsAtOnce: 5 }).runOnce()).toMatchObject({ claimed: 0 });
        // … and then they go out, in the order written, none twice.
        for (let round = 0; round < 6 && slow.received.length < 4; round++) {
          bed.clock.advance(3 * 60_000);
          await worker.runOnce();
        }
        const answers = slow.received.map((e) => /Answer (\w+)\./.exec(e.parsed.text ?? '')?.[1] ?? 'created');
        expect(answers).toEqual(['created', 'One', 'Two', 'Three']);
      } finally {
        await slow.close();
      }
    });
  });
}
