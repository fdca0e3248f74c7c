/**
 * The dashboard's "Needs attention" panel with teams (§12), on both engines, through the real API,
 * logins and a fake clock: a ticket waits unattended while no available agent *who may take it*
 * (a member of its team, or of its overflow team once that opened, holding the skills it still
 * needs) is available, and one team's dashboard (`?team=`) counts only that team's agents and
 * tickets, overdue, held and undelivered included. QA's case: every Support member offline, bob
 * available but in Billing only. And the query plans: a kind's waiting tickets are a range of
 * tickets_queue_by_team, never the queue walked.
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oldestOfKindQuery, waitingOfKindCountQuery } from '../../src/repositories/attention.js';
import { changePresence } from '../../src/services/presence.js';
import { createApiToken } from '../../src/services/tokens.js';
import { insertTickets, randomTickets, rng } from '../db/summaries-support.js';
import { ApiClient } from '../api/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient } from './support.js';

const TICKET = { name: 'Dora', email: 'dora@customer.example', description: 'Help', priority: 'low' };
const M = 60_000;

for (const dialect of DIALECTS) {
  describe(`the dashboard's alarms with teams (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let api: ApiClient;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));
    const support: string[] = [];
    const feed = async (query = '') => {
      const response = await admin.get(`/adminapp/dashboard/data.json${query}`);
      expect(response.statusCode).toBe(200);
      return response.json().attention;
    };
    const counts = (attention: { sections: Record<string, { count: number; level: string }> }) => ({
      unattended: [attention.sections.waiting_unattended!.count, attention.sections.waiting_unattended!.level],
    });
    const create = async (title: string, topic?: string) => {
      const created = await api.post('/api/v1/tickets', { ...TICKET, title, ...(topic ? { topic } : {}) });
      expect(created.status).toBe(201);
      clock.advance(1000);
      return created.body as { reference: string; agent: string | null; team: string };
    };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      await addStaff(t.ctx, 'alice', { capacity: 2 });
      await addStaff(t.ctx, 'bob', { capacity: 5 });
      const root = await adminClient(t);
      admin = root.client;
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'setup')).token);
      expect((await api.post('/api/v1/teams', { name: 'Billing' })).status).toBe(201);
      expect((await api.post('/api/v1/skills', { name: 'German' })).status).toBe(201);
      expect((await api.put('/api/v1/agents/bob/teams', { teams: ['Billing'] })).body).toEqual({ teams: ['Billing'], skills: [] });
      const topic = await api.post('/api/v1/topics', { name: 'Rechnung', team: 'Billing', skills: [{ name: 'German', optional_after_minutes: 10 }] });
      expect(topic.status).toBe(201);
      await agentClient(t, 'bob'); // available; alice never logs in (offline)
      for (const title of ['One', 'Two', 'Three', 'Four', 'Five']) {
        const ticket = await create(title);
        expect([ticket.team, ticket.agent]).toEqual(['Support', null]);
        support.push(ticket.reference);
      }
    });
    afterAll(() => t.close());

    it("counts Support's tickets as waiting with nobody available, although bob (Billing only) is available", async () => {
      const attention = await feed();
      expect(attention.summary).toBe('5 waiting, 0 overdue, 1 agent available.');
      expect(counts(attention)).toEqual({ unattended: [5, 'warning'] });
      expect(attention.sections.waiting_unattended.items.map((i: { reference: string }) => i.reference)).toEqual(support.slice(0, 3));
      expect(attention.cards.pending).toBe('warning');
      expect(attention.level).toBe('warning');
      const page = (await admin.get('/adminapp/dashboard/')).body;
      expect(page).toMatch(/data-section="waiting_unattended"[\s\S]*?<a href="\/admin\/tickets\/\?unattended=yes" data-count="true">5<\/a>/);
      expect(page).toMatch(/<article class="kpi-card level-warning" data-card="pending">/);
    });

    it("one team's dashboard counts that team's agents and waiting tickets only", async () => {
      const ofSupport = await feed('?team=Support');
      expect(ofSupport.summary).toBe('5 waiting, 0 overdue, no agents available.');
      expect(ofSupport.available_agents).toBe(0);
      expect(counts(ofSupport)).toEqual({ unattended: [5, 'warning'] });
      const ofBilling = await feed('?team=billing');
      expect(ofBilling.summary).toBe('0 waiting, 0 overdue, 1 agent available.');
      expect(counts(ofBilling)).toEqual({ unattended: [0, 'calm'] });
      expect(ofBilling.sections.waiting_unattended.items).toEqual([]);
    });

    it('a ticket needing a skill nobody available holds counts until the skill turns optional', async () => {
      const rechnung = await create('Rechnung falsch', 'Rechnung');
      expect([rechnung.team, rechnung.agent]).toEqual(['Billing', null]); // bob lacks German
      const ofBilling = await feed('?team=Billing');
      expect(ofBilling.summary).toBe('1 waiting, 0 overdue, 1 agent available.');
      expect(counts(ofBilling)).toEqual({ unattended: [1, 'warning'] });
      expect(ofBilling.sections.waiting_unattended.items.map((i: { reference: string }) => i.reference)).toEqual([rechnung.reference]);
      expect(counts(await feed())).toEqual({ unattended: [6, 'warning'] });
      // 10 minutes on, German is optional: bob may take it, so it no longer needs attention
      // (whether or not routing has handed it to him yet).
      clock.advance(10 * M);
      expect(counts(await feed('?team=Billing'))).toEqual({ unattended: [0, 'calm'] });
      expect(counts(await feed())).toEqual({ unattended: [5, 'warning'] });
    });

    it('once a Support member is available (and full), the waiting Support tickets are calm', async () => {
      await agentClient(t, 'alice'); // pulls the two oldest (capacity 2)
      const attention = await feed();
      expect(counts(attention)).toEqual({ unattended: [0, 'calm'] });
      expect(attention.cards.pending).toBe('calm');
      const ofSupport = await feed('?team=Support');
      expect(ofSupport.summary).toBe('3 waiting, 0 overdue, 1 agent available.');
    });

    it("one team's dashboard counts that team's overdue tickets, the tickets of it held by agents away, and the emails about its tickets", async () => {
      const db = t.ctx.handle.db;
      const rechnung = (await db.selectFrom('tickets').select('id').where('title', '=', 'Rechnung falsch').executeTakeFirstOrThrow()).id;
      const supportIds = (await db.selectFrom('tickets').select('id').where('title', 'in', ['One', 'Two', 'Three', 'Four', 'Five']).orderBy('id').execute()).map((r) => r.id);
      clock.advance(2 * 60 * M); // every ticket (low: 1 hour) is past its deadline
      const alice = (await db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
      await changePresence(t.ctx, alice, 'away'); // she keeps her two Support tickets
      const emailOf = async (ticket: number) => (await db.selectFrom('outbox').select('id').where('ticket_id', '=', ticket).orderBy('id').executeTakeFirstOrThrow()).id;
      const [supportEmail, billingEmail] = [await emailOf(supportIds[0]!), await emailOf(rechnung)];
      await db.updateTable('outbox').set({ status: 'failed', last_error: 'refused' }).where('id', '=', supportEmail).execute();
      await db.updateTable('outbox').set({ status: 'bounced', last_error: '5.1.1' }).where('id', '=', billingEmail).execute();

      type Section = { count: number; items: { id: number }[] };
      const of = (attention: { sections: Record<string, Section> }) =>
        Object.fromEntries(['breached_open', 'held_by_unavailable', 'undelivered_emails'].map((name) => [name, [attention.sections[name]!.count, attention.sections[name]!.items.map((i) => i.id).sort((a, b) => a - b)]]));
      const ofSupport = await feed('?team=Support');
      const held = (await db.selectFrom('tickets').select('id').where('agent_id', '=', alice).where('status', '=', 'open').orderBy('id').execute()).map((r) => r.id);
      expect(held).toHaveLength(2);
      expect(of(ofSupport)).toEqual({ breached_open: [5, supportIds.slice(0, 3)], held_by_unavailable: [2, held], undelivered_emails: [1, [supportEmail]] });
      expect(ofSupport.summary).toBe('3 waiting, 5 overdue, no agents available.');
      expect(of(await feed('?team=Billing'))).toEqual({ breached_open: [1, [rechnung]], held_by_unavailable: [0, []], undelivered_emails: [1, [billingEmail]] });
      const all = of(await feed());
      expect([all.breached_open![0], all.held_by_unavailable![0], all.undelivered_emails![0]]).toEqual([6, 2, 2]);

      // The page: no section counts the whole desk any more, and its ticket lists are the team's.
      const page = (await admin.get('/adminapp/dashboard/?team=Support')).body;
      expect(page).not.toContain('(all teams)');
      expect(page).toContain('href="/admin/tickets/?status=open&amp;breached=yes&amp;team=Support" data-count="true">5</a>');
      await changePresence(t.ctx, alice, 'available');
    });

    it("reads a kind's waiting tickets from its own index, not by walking a queue of others", async () => {
      const db = t.ctx.handle.db;
      // A queue of 3000 waiting Support tickets, and the one Billing ticket needing German.
      const queue = randomTickets(rng(3), 6000, clock.now(), [], [], { sla: true, csat: true }).filter((row) => row.agent_id === null && row.status === 'open');
      await insertTickets(db, queue.slice(0, 3000));
      await sql`analyze`.execute(db);
      const [kind] = (await db.selectFrom('pending_team_summary').select(['team_id', 'required_skills', 'pending']).where('required_skills', '<>', '[]').execute()).map((r) => ({ ...r, pending: Number(r.pending) }));
      expect(kind).toBeDefined();
      const queries: [string, CompiledQuery][] = [
        ['oldest of the kind', oldestOfKindQuery(dialect, kind!, null, 3).compile(db)],
        ['oldest of the kind younger than', oldestOfKindQuery(dialect, kind!, clock.now() - 60 * M, 3).compile(db)],
        ['count of the kind younger than', waitingOfKindCountQuery(dialect, kind!, clock.now() - 60 * M).compile(db)],
      ];
      for (const [name, query] of queries) {
        const plan = await db.executeQuery(CompiledQuery.raw((dialect === 'sqlite' ? 'explain query plan ' : 'explain ') + query.sql, [...query.parameters]));
        const text = JSON.stringify(plan.rows);
        expect(text, name).toMatch(/tickets_queue_by_team/);
        // In the index's order: no sort.
        expect(text, name).not.toMatch(/TEMP B-TREE FOR ORDER BY|Sort/);
      }
    });
  });
}
