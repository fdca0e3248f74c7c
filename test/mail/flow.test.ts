/**
 * The reviewer's flow of SPEC §5, end to end through a real SMTP server: each step's email arrives
 * once, to the customer, saying the right thing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TicketRow } from '../../src/db/schema.js';
import { formatMailTime } from '../../src/core/mailTime.js';
import { FOLLOW_UP_NOTE } from '../../src/mail/templates/reply.js';
import type { OutboxWorker } from '../../src/mail/worker.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { intakeTicket } from '../support/intake.js';
import { DIALECTS } from '../support/db.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { createAgent, PUBLIC_URL, type Testbed, testbed, ticketForm, deliveries } from './support/testbed.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: the emails of the reviewer flow`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;
    let worker: OutboxWorker;
    let deliver: () => Promise<ReceivedEmail[]>;

    beforeEach(async () => {
      bed = await testbed(dialect);
      smtp = await startSmtpServer();
      worker = bed.worker(smtp.url);
      deliver = deliveries(worker, smtp);
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });


    /** `agent`: the display name both bodies must show; `mentions`: more the plain text must say. */
    function expectTicketEmail(email: ReceivedEmail | undefined, ticket: TicketRow, subject: string, agent: string | null, mentions: string[]): void {
      expect(email).toBeDefined();
      const { parsed, rcptTo } = email!;
      expect(rcptTo).toEqual([ticket.customer_email]);
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((a) => a.address) : []).toEqual([ticket.customer_email]);
      expect(parsed.subject).toBe(`[HD-${ticket.id}] ${subject}`);
      expect(parsed.from?.value[0]?.address).toBe('support@helpdesk.example');
      const statusLink = `${PUBLIC_URL}/tickets/status/${ticket.token}/`;
      // The closed email leaves out the resolution target (it is over); the others say when we aim to resolve it.
      const target = subject.startsWith('Your request is closed') ? [] : [formatMailTime(ticket.sla_due_at, 'UTC')];
      const facts = [ticket.customer_name, ticket.title, ticket.priority, ...target, `HD-${ticket.id}`, agent ?? 'not assigned yet'];
      for (const fact of [...facts, ...mentions, statusLink]) expect(parsed.text).toContain(fact);
      for (const fact of facts) expect(parsed.html || '').toContain(fact);
      expect(parsed.html || '').toContain(`href="${statusLink}"`);
      expect(email!.messageId).toMatch(new RegExp(`^<hd-${ticket.id}\\.outbox-\\d+\\.[0-9a-f]{16}@helpdesk\\.example>$`));
    }

    it('sends created, assigned, created-with-agent, reassigned and closed, once each', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      const bob = await createAgent(bed.ctx, 'bob', 'Bob Baker');

      // Nobody online: the ticket waits, the email says so and names nobody.
      const first = await intakeTicket(bed.ctx, ticketForm({ name: 'Carla Customer', email: 'carla@customer.example', title: 'Printer on fire', priority: 'High' }));
      let emails = await deliver();
      expect(emails).toHaveLength(1);
      expectTicketEmail(emails[0], first, 'We received your request: Printer on fire', null, ['waiting for the next free agent']);
      expect(emails[0]!.parsed.text).not.toContain('Alice');

      // Alice logs in and pulls it (R2): `assigned`, naming her.
      bed.clock.advance(10_000);
      await changePresence(bed.ctx, alice, 'available');
      emails = await deliver();
      expect(emails).toHaveLength(1);
      expectTicketEmail(emails[0], first, 'An agent is on it: Printer on fire', 'Alice Archer', ['Alice Archer has taken your request']);

      // A ticket while Alice is free: one `created` email naming her, no `assigned`.
      bed.clock.advance(10_000);
      const second = await intakeTicket(bed.ctx, ticketForm({ name: 'Dan Doe', email: 'dan@customer.example', title: 'VPN drops hourly', priority: 'medium' }));
      expect(second.agent_id).toBe(alice);
      emails = await deliver();
      expect(emails).toHaveLength(1);
      expectTicketEmail(emails[0], second, 'We received your request: VPN drops hourly', 'Alice Archer', ['Alice Archer is already looking after it']);
      expect((await emailsOfTicket(bed.ctx.handle.db, second.id)).map((e) => e.kind)).toEqual(['created']);

      // Bob comes in with the queue empty; Alice holds two, so he takes her newest (R3).
      bed.clock.advance(10_000);
      await changePresence(bed.ctx, bob, 'available');
      emails = await deliver();
      expect(emails).toHaveLength(1);
      expectTicketEmail(emails[0], second, 'Your request has a new agent: VPN drops hourly', 'Bob Baker', ['from Alice Archer to Bob Baker, so that it is answered sooner.', 'Agent: Bob Baker']);

      // Bob closes it (R4).
      bed.clock.advance(10_000);
      expect(await closeTicket(bed.ctx, { id: bob, role: 'agent' }, second.id)).toBe(true);
      emails = await deliver();
      expect(emails).toHaveLength(1);
      expectTicketEmail(emails[0], second, 'Your request is closed: VPN drops hourly', 'Bob Baker', ['Bob Baker has closed your request', FOLLOW_UP_NOTE]);

      // Nothing more to send, nothing sent twice, every row marked sent.
      expect(await deliver()).toHaveLength(0);
      const ids = smtp.received.map((e) => e.messageId);
      expect(new Set(ids).size).toBe(5);
      const rows = [...(await emailsOfTicket(bed.ctx.handle.db, first.id)), ...(await emailsOfTicket(bed.ctx.handle.db, second.id))];
      expect(rows.map((r) => [r.kind, r.status, r.attempts])).toEqual([
        ['created', 'sent', 1],
        ['assigned', 'sent', 1],
        ['created', 'sent', 1],
        ['reassigned', 'sent', 1],
        ['closed', 'sent', 1],
      ]);
      for (const row of rows) expect(row.sent_at).not.toBeNull();
    });

    it('an agent taking a request after the time we aimed for says it is late, as the status page does, not that we aim for a time gone by', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      // High priority: one minute. Nobody is in for five.
      const ticket = await intakeTicket(bed.ctx, ticketForm({ name: 'Carla Customer', email: 'carla@customer.example', title: 'Printer on fire', priority: 'high' }));
      expect(await deliver()).toHaveLength(1);
      bed.clock.advance(5 * 60_000);
      await changePresence(bed.ctx, alice, 'available');
      const [assigned] = await deliver();
      expectTicketEmail(assigned, ticket, 'An agent is on it: Printer on fire', 'Alice Archer', [
        `We aim to resolve it by: ${formatMailTime(ticket.sla_due_at, 'UTC')} — it is taking longer than we aimed for; we are still on it.`,
      ]);
      expect(assigned!.parsed.html || '').toContain('it is taking longer than we aimed for; we are still on it.');
    });
  });
}
