/**
 * The conversation service (SPEC §9) on both engines: the thread, waiting_on, first_response_at,
 * reply and close in one transaction with one email, the stale check, the closed check, and
 * follow-ups routed to the previous agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { threadPage } from '../../src/repositories/messages.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import type { ServiceContext, TicketChange } from '../../src/services/context.js';
import { postCustomerMessage, postStaffMessage, StaleReply } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { historyViolations } from '../support/invariants.js';
import { testContext } from './context-support.js';

const form = (i: number) => ({ name: `Carla ${i}`, email: `carla${i}@customer.example`, title: `Printer ${i}`, description: `It jams ${i}`, priority: 'high' });
const reply = (body: string, extra: Partial<{ close: boolean; seen: number | null }> = {}) => ({ kind: 'reply' as const, body, close: false, seen: null, channel: 'web' as const, ...extra });
const note = (body: string) => ({ kind: 'note' as const, body, close: false, seen: null, channel: 'web' as const });

for (const dialect of DIALECTS) {
  describe(`conversations (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let ana: number;
    let ben: number;
    let admin: number;
    const changes: TicketChange[] = [];

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = testContext(database, (c) => changes.push(...c));
      ana = await addStaff(ctx, 'ana', { capacity: 10, displayName: 'Ana Agent' });
      ben = await addStaff(ctx, 'ben', { capacity: 2 });
      admin = await addStaff(ctx, 'boss', { role: 'admin' });
      await changePresence(ctx, ana, 'available');
    });
    afterAll(() => database.drop());

    const emailsOf = (ticketId: number) => database.handle.db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();

    it('a ticket starts with its description as the first customer message, waiting on the agent', async () => {
      const t = await intakeTicket(ctx, form(1));
      const thread = await threadPage(database.handle.db, t.id, { publicOnly: false, limit: 10 });
      expect(thread.map((m) => [m.kind, m.body, m.author_name, m.author_id, m.channel])).toEqual([['customer', 'It jams 1', 'Carla 1', null, 'web']]);
      expect(t.waiting_on).toBe('agent');
      expect(t.first_response_at).toBeNull();
    });

    it('a reply waits on the customer, sets first_response_at once, and enqueues one reply email with history; a note changes nothing and is never emailed', async () => {
      const t = await intakeTicket(ctx, form(2));
      expect(t.agent_id).toBe(ana);
      const first = await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Have you tried turning it off?'));
      let row = (await findTicketById(database.handle.db, t.id))!;
      expect(row.waiting_on).toBe('customer');
      expect(row.first_response_at).toBe(first.message.created_at);
      expect(first.message.author_name).toBe('Ana Agent');

      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, note('Customer sounds upset; secret-note-text'));
      row = (await findTicketById(database.handle.db, t.id))!;
      expect(row.waiting_on).toBe('customer');

      const back = await postCustomerMessage(ctx, t.token, { body: 'Yes, still jams', channel: 'web' });
      expect(back.kind).toBe('appended');
      row = (await findTicketById(database.handle.db, t.id))!;
      expect(row.waiting_on).toBe('agent');

      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Replacing the drum then.'));
      row = (await findTicketById(database.handle.db, t.id))!;
      expect(row.first_response_at).toBe(first.message.created_at);

      const emails = await emailsOf(t.id);
      expect(emails.map((e) => e.kind)).toEqual(['created', 'reply', 'reply']);
      expect(emails[2]!.subject).toBe(`Re: [HD-${t.id}] Printer 2`);
      expect(emails[2]!.text_body).toContain('Replacing the drum then.');
      expect(emails[2]!.text_body).toContain('> Yes, still jams');
      expect(emails.some((e) => e.text_body.includes('secret-note-text') || e.html_body.includes('secret-note-text'))).toBe(false);
      expect(changes.some((c) => c.ticketId === t.id && c.type === 'message' && c.toAgentId === ana)).toBe(true);
    });

    it('reply and close is one transaction: closed, R4 event, one reply email saying so, no closed email', async () => {
      const t = await intakeTicket(ctx, form(3));
      const posted = await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Fixed, closing.', { close: true }));
      expect(posted.closed).toBe(true);
      const row = (await findTicketById(database.handle.db, t.id))!;
      expect(row.status).toBe('closed');
      expect(row.waiting_on).toBeNull();
      const emails = await emailsOf(t.id);
      expect(emails.map((e) => e.kind)).toEqual(['created', 'reply']);
      expect(emails[1]!.text_body).toContain('now closed');
      expect(emails[1]!.message_id).toBe(posted.message.id);
      expect(await historyViolations(database.handle.db)).toEqual([]);
    });

    it('refuses a reply to a closed ticket (409 conflict) but takes a note; refuses agent B on agent A’s ticket; writes nothing when refused', async () => {
      const t = await intakeTicket(ctx, form(4));
      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Done', { close: true }));
      const before = await threadPage(database.handle.db, t.id, { publicOnly: false, limit: 50 });
      await expect(postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('One more thing'))).rejects.toMatchObject({ code: 'conflict' });
      await expect(postStaffMessage(ctx, { id: ben, role: 'agent' }, t.id, note('peek'))).rejects.toMatchObject({ code: 'forbidden' });
      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, note('Closed after phone call'));
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, t.id, note('Reviewed'));
      const after = await threadPage(database.handle.db, t.id, { publicOnly: false, limit: 50 });
      expect(after.length).toBe(before.length + 2);
      expect((await emailsOf(t.id)).map((e) => e.kind)).toEqual(['created', 'reply']);
    });

    it('holds back a reply written on a stale view (409 stale, nothing written); sending again with the new seen confirms; notes are never held back', async () => {
      const t = await intakeTicket(ctx, form(5));
      const [firstMessage] = await threadPage(database.handle.db, t.id, { publicOnly: false, limit: 1 });
      const customer = await postCustomerMessage(ctx, t.token, { body: 'Also the scanner', channel: 'web' });
      const stale = postStaffMessage(ctx, { id: admin, role: 'admin' }, t.id, reply('Looking at the printer', { seen: firstMessage!.id }));
      await expect(stale).rejects.toBeInstanceOf(StaleReply);
      await expect(stale).rejects.toBeInstanceOf(DomainError);
      expect((await emailsOf(t.id)).map((e) => e.kind)).toEqual(['created']);
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, t.id, { ...note('note on stale view'), seen: firstMessage!.id });
      if (customer.kind !== 'appended') throw new Error('expected appended');
      await postStaffMessage(ctx, { id: admin, role: 'admin' }, t.id, reply('Both, then', { seen: customer.message.id }));
      expect((await emailsOf(t.id)).map((e) => e.kind)).toEqual(['created', 'reply']);
    });

    it('a customer message to a closed ticket creates a follow-up for the previous agent; the closed ticket never changes', async () => {
      const t = await intakeTicket(ctx, form(6));
      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Done', { close: true }));
      const closedBefore = (await findTicketById(database.handle.db, t.id))!;
      await changePresence(ctx, ben, 'available');
      const result = await postCustomerMessage(ctx, t.token, { body: 'It is back', channel: 'web' });
      expect(result.kind).toBe('follow_up');
      if (result.kind !== 'follow_up') return;
      const f = result.followUp;
      expect(f.title).toBe('Re: Printer 6');
      expect(f.follow_up_of).toBe(t.id);
      expect(f.description).toBe('It is back');
      expect(f.priority).toBe('high');
      expect(f.customer_email).toBe('carla6@customer.example');
      expect(f.agent_id).toBe(ana);
      expect(await findTicketById(database.handle.db, t.id)).toEqual(closedBefore);
      const created = (await emailsOf(f.id))[0]!;
      expect(created.kind).toBe('created');
      expect(created.text_body).toContain(`HD-${t.id}`);
      const again = await postCustomerMessage(ctx, f.token, { body: 'x', channel: 'web' });
      expect(again.kind).toBe('appended');
      expect(await historyViolations(database.handle.db)).toEqual([]);
      await changePresence(ctx, ben, 'offline');
    });

    it('messages sent at once to a closed ticket open one follow-up, which takes them all', async () => {
      const t = await intakeTicket(ctx, form(7));
      await postStaffMessage(ctx, { id: ana, role: 'agent' }, t.id, reply('Done', { close: true }));
      const bodies = ['First at once', 'Second at once', 'Third at once'];
      const results = await Promise.all(bodies.map((body) => postCustomerMessage(ctx, t.token, { body, channel: 'web' })));
      expect(results.map((r) => r.kind).sort()).toEqual(['added_to_follow_up', 'added_to_follow_up', 'follow_up']);
      const followUps = await database.handle.db.selectFrom('tickets').selectAll().where('follow_up_of', '=', t.id).execute();
      expect(followUps).toHaveLength(1);
      const thread = await threadPage(database.handle.db, followUps[0]!.id, { publicOnly: false, limit: 10 });
      expect(thread.map((m) => m.body).sort()).toEqual([...bodies].sort());
      // One confirmation email, for the one request opened.
      expect((await emailsOf(followUps[0]!.id)).map((e) => e.kind)).toEqual(['created']);
      expect(await historyViolations(database.handle.db)).toEqual([]);
    });
  });
}
