import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueHead } from '../../src/repositories/tickets.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { historyViolations } from '../support/invariants.js';
import { testContext } from './context-support.js';

const form = (i: number) => ({ name: `Customer ${i}`, email: `c${i}@example.com`, title: `Ticket ${i}`, description: 'Help', priority: 'MEDIUM' });

for (const dialect of DIALECTS) {
  describe(`grouped ticket intake (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let agents: number[];
    const published: number[][] = [];

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database, (changes) => published.push(changes.map((c) => c.ticketId)));
      agents = [];
      for (const name of ['ana', 'ben', 'cy']) {
        const id = await addStaff(ctx, name, { capacity: 2, displayName: `Agent ${name}` });
        await changePresence(ctx, id, 'available');
        agents.push(id);
      }
    });
    afterAll(() => database.drop());

    it('tickets arriving together are routed in arrival order by R1 in one transaction, each with its event and email', async () => {
      const intake = new TicketIntake(ctx);
      const tickets = await Promise.all(Array.from({ length: 8 }, (_, i) => intake.submit(form(i))));
      const [ana, ben, cy] = agents as [number, number, number];

      // One transaction: one instant, one publication; ids in arrival order.
      expect(new Set(tickets.map((t) => t.created_at)).size).toBe(1);
      expect(published).toEqual([tickets.map((t) => t.id)]);
      expect(tickets.map((t) => t.id)).toEqual([...tickets.map((t) => t.id)].sort((a, b) => a - b));
      expect(tickets.map((t) => t.title)).toEqual(Array.from({ length: 8 }, (_, i) => `Ticket ${i}`));

      // R1 round robin among equals until everyone is full (I2), then the queue, in arrival order.
      expect(tickets.map((t) => t.agent_id)).toEqual([ana, ben, cy, ana, ben, cy, null, null]);
      expect(tickets.every((t) => t.priority === 'medium' && t.status === 'open')).toBe(true);
      const queue = await queueHead(database.handle.db, 'oldest', 10);
      expect(queue.map((q) => q.id)).toEqual([tickets[6]!.id, tickets[7]!.id]);
      const users = await database.handle.db.selectFrom('users').select(['id', 'last_assigned_at']).where('id', 'in', agents).execute();
      expect(users.map((u) => u.last_assigned_at)).toEqual([tickets[0]!.created_at, tickets[0]!.created_at, tickets[0]!.created_at]);

      // I4: one `created` event per ticket naming its agent, one `created` email naming the agent.
      const events = await database.handle.db.selectFrom('ticket_events').selectAll().where('type', '=', 'created').orderBy('ticket_id').execute();
      expect(events.map((e) => [e.ticket_id, e.to_agent_id])).toEqual(tickets.map((t) => [t.id, t.agent_id]));
      const emails = await database.handle.db.selectFrom('outbox').selectAll().orderBy('ticket_id').execute();
      expect(emails.map((e) => [e.ticket_id, e.kind, e.to_address])).toEqual(tickets.map((t, i) => [t.id, 'created', `c${i}@example.com`]));
      expect(emails[0]!.text_body).toContain('Agent ana');
      expect(emails[5]!.text_body).toContain('Agent cy');
      expect(emails[6]!.text_body).not.toMatch(/Agent (ana|ben|cy)/);
      expect(emails.map((e) => e.subject)).toEqual(tickets.map((t) => expect.stringContaining(`[HD-${t.id}]`)));
      expect(await historyViolations(database.handle.db)).toEqual([]);
    });

    it('stores every text of a batch as sent: quotes, backslashes, lines, emoji, JSON-looking text; a lone surrogate as U+FFFD', async () => {
      const texts = ['O\'Brien "quoted" \\ back\\slash', 'Snowman ☃ and 🎫 ticket', '{"id": 1, "title": null}', 'broken \uD800 half'];
      const describe = (text: string) => `${text}\nline two\ttab`;
      const intake = new TicketIntake(ctx);
      const tickets = await Promise.all(texts.map((text, i) => intake.submit({ ...form(100 + i), name: text, title: text, description: describe(text) })));
      const stored = texts.map((text) => text.replace('\uD800', '\uFFFD'));
      const rows = await database.handle.db.selectFrom('tickets').select(['customer_name', 'title', 'description']).where('id', 'in', tickets.map((t) => t.id)).orderBy('id').execute();
      expect(rows).toEqual(stored.map((text) => ({ customer_name: text, title: text, description: describe(text) })));
      const messages = await database.handle.db.selectFrom('messages').select('body').where('ticket_id', 'in', tickets.map((t) => t.id)).orderBy('ticket_id').execute();
      expect(messages.map((m) => m.body)).toEqual(stored.map(describe));
    });

    it('a bad form is refused at once with its field errors and never joins a batch', async () => {
      const intake = new TicketIntake(ctx);
      const before = await database.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const outcomes = await Promise.allSettled([intake.submit(form(100)), intake.submit({ ...form(101), email: 'not an address' }), intake.submit(form(102))]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'invalid_input', fields: { email: expect.any(String) } });
      const after = await database.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n) - Number(before.n)).toBe(2);
    });
  });
}
