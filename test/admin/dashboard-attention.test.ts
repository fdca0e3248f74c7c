/**
 * The dashboard's alarms on both engines (issue 23 items 2 and 4), driven through real intake,
 * logins and presence changes with a fake clock: the feed's `attention` (beside `mail`, the API's
 * stats unchanged), the cards' levels and links in the HTML, the one live region, and the query
 * plans of what the panel reads (indexes, never the whole table or queue).
 */
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import {
  heldByUnavailableCountQuery,
  heldByUnavailableQuery,
  overdueHeldQuery,
  overdueOfTeamCountQuery,
  overdueWaitingQuery,
  undeliveredEmailsQuery,
  undeliveredOfTeamCountQuery,
} from '../../src/repositories/attention.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { ApiClient } from '../api/support.js';
import { createApiToken } from '../../src/services/tokens.js';
import { adminClient, agentClient, threeWaitingOneOverdue } from './support.js';

for (const dialect of DIALECTS) {
  describe(`the dashboard's alarms (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let api: ApiClient;
    let alice: number;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));
    const tickets: Record<'high' | 'medium' | 'low', number> = { high: 0, medium: 0, low: 0 };
    const feed = async () => (await admin.get('/adminapp/dashboard/data.json')).json();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      await addStaff(t.ctx, 'bob', { capacity: 2 });
      const root = await adminClient(t);
      admin = root.client;
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'stats')).token);
      Object.assign(tickets, await threeWaitingOneOverdue(t.ctx, clock));
    });
    afterAll(() => t.close());

    it('raises both alarms while tickets wait with nobody online and one is overdue', async () => {
      const { attention, ...stats } = await feed();
      expect(attention.summary).toBe('3 waiting, 1 overdue, no agents available.');
      expect(attention.cards).toEqual({ pending: 'warning', open_overdue: 'alarm' });
      expect(attention.level).toBe('alarm');
      const s = attention.sections;
      expect([s.breached_open.count, s.breached_open.level]).toEqual([1, 'alarm']);
      expect(s.breached_open.items.map((i: { reference: string }) => i.reference)).toEqual([`HD-${tickets.high}`]);
      expect([s.waiting_unattended.count, s.waiting_unattended.level]).toEqual([3, 'warning']);
      // The oldest first.
      expect(s.waiting_unattended.items.map((i: { id: number }) => i.id)).toEqual([tickets.high, tickets.medium, tickets.low]);
      expect([s.held_by_unavailable.count, s.undelivered_emails.count]).toEqual([0, 0]);
      // The feed is still GET /api/v1/stats plus `mail` (and now `attention`).
      const { mail, team_choices: teams, ...figures } = stats;
      expect(teams).toEqual(['Support']);
      expect(mail.outbox).toBeDefined();
      expect(figures).toEqual((await api.get('/api/v1/stats')).body);
    });

    it('colours the cards with words beside the colour, links each number to its list, and has one live region', async () => {
      const page = (await admin.get('/adminapp/dashboard/')).body;
      expect(page).toMatch(/<article class="kpi-card level-alarm" data-card="sla.open_overdue">[\s\S]*?href="\/admin\/tickets\/\?status=open&amp;breached=yes" data-kpi="sla.open_overdue">1<[\s\S]*?Past the SLA deadline: act now/);
      expect(page).toMatch(/<article class="kpi-card level-warning" data-card="pending">[\s\S]*?href="\/admin\/tickets\/\?state=pending" data-kpi="pending">3<[\s\S]*?Nobody available to take them/);
      expect(page).toContain('href="/admin/tickets/?priority=high&amp;breached=yes" data-kpi="sla.by_priority.high">1<');
      expect(page).toContain('href="/admin/emails/?status=failed" data-kpi="mail.outbox.failed">0<');
      // One live region, and it is the summary.
      expect(page.match(/aria-live|role="status"/g)).toEqual(['role="status"']);
      expect(page).toMatch(/<p id="dashboard-summary" class="dashboard-summary" role="status" data-level="alarm">3 waiting, 1 overdue, no agents available\.<\/p>/);
      expect(page).toMatch(/data-section="waiting_unattended"[\s\S]*?<a href="\/admin\/tickets\/\?unattended=yes" data-count="true">3<\/a>/);
    });

    it('the links lead to lists of as many tickets as the numbers say', async () => {
      for (const [path, count] of [['/admin/tickets/?state=pending', 3], ['/admin/tickets/?status=open&breached=yes', 1], ['/admin/tickets/?priority=high&breached=yes', 1]] as const) {
        const list = await admin.get(path);
        expect(list.statusCode, path).toBe(200);
        expect(list.body.match(/<tr data-id="/g)?.length ?? 0, path).toBe(count);
      }
    });

    it('flags the tickets of an agent who went away, and tickets that wait while nobody is available', async () => {
      await agentClient(t, 'alice'); // takes the two oldest (capacity 2)
      await changePresence(t.ctx, alice, 'away');
      const { attention } = await feed();
      expect(attention.summary).toBe('1 waiting, 1 overdue, no agents available.');
      const s = attention.sections;
      expect([s.held_by_unavailable.count, s.held_by_unavailable.level]).toEqual([2, 'warning']);
      // Most urgent first: the overdue high, then the medium.
      expect(s.held_by_unavailable.items.map((i: { id: number; agent: string; presence: string }) => [i.id, i.agent, i.presence])).toEqual([
        [tickets.high, 'alice', 'away'],
        [tickets.medium, 'alice', 'away'],
      ]);
      expect(s.waiting_unattended.items.map((i: { id: number }) => i.id)).toEqual([tickets.low]);
      // The overdue ticket is found with its agent too.
      expect(s.breached_open.items.map((i: { id: number; agent: string }) => [i.id, i.agent])).toEqual([[tickets.high, 'alice']]);
    });

    it('calms the waiting card once an agent is available, keeps the overdue alarm', async () => {
      await agentClient(t, 'bob'); // takes the low one
      const { attention } = await feed();
      expect(attention.summary).toBe('0 waiting, 1 overdue, 1 agent available.');
      expect(attention.cards).toEqual({ pending: 'calm', open_overdue: 'alarm' });
      expect(attention.sections.waiting_unattended).toEqual({ count: 0, level: 'calm', items: [] });
    });

    it('lists failed and bounced emails, newest first', async () => {
      const emails = await t.ctx.handle.db.selectFrom('outbox').select('id').orderBy('id').execute();
      expect(emails.length).toBeGreaterThanOrEqual(2);
      const [failed, bounced] = [emails[0]!.id, emails[1]!.id];
      // As the worker (gave up) and a delivery report (bounced) leave them.
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'failed', last_error: 'refused' }).where('id', '=', failed).execute();
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'bounced', last_error: '5.1.1' }).where('id', '=', bounced).execute();
      const { attention, mail } = await feed();
      expect(mail.outbox).toMatchObject({ failed: 1, bounced: 1 });
      const s = attention.sections.undelivered_emails;
      expect([s.count, s.level]).toEqual([2, 'warning']);
      expect(s.items.map((e: { id: number; status: string }) => [e.id, e.status])).toEqual([
        [bounced, 'bounced'],
        [failed, 'failed'],
      ]);
      const list = await admin.get('/admin/emails/?status=failed');
      expect(list.body).toContain(`/admin/emails/${failed}/`);
    });

    it('reads each list from its index (no scan of the tickets or the outbox)', async () => {
      // The waiting tickets of a kind (team and skills): test/admin/dashboard-attention-teams.test.ts.
      // Held tickets: looked up per agent, never by walking the open tickets (the queue's rows share
      // that partial index). On PostgreSQL a LATERAL subquery makes it a loop over the users with the
      // tickets read per user (at 100k tickets: Bitmap Index Scan on tickets_open_by_agent, agent_id =
      // u.id, 0.4 ms); on tables this small the planner may read them by another index, but never
      // joins all open tickets at once (what it did before: a hash join over the whole queue).
      const perAgent = dialect === 'sqlite' ? /SEARCH t USING (COVERING )?INDEX tickets_open_by_agent \(agent_id=\?\)/ : /^(?!.*Hash Join).*Nested Loop.*agent_id = u\.id/;
      const queries: [string, { compile(db: unknown): CompiledQuery }, RegExp][] = [
        // On tables this small PostgreSQL may also take the queue's other partial index (waiting
        // tickets by id) and sort its few entries: still the queue's entries, never the table's
        // (a clean-clone CI run saw that plan once).
        ['overdue waiting', overdueWaitingQuery(dialect, clock.now(), 3), dialect === 'sqlite' ? /tickets_queue_deadline/ : /tickets_queue_deadline|Index Scan using tickets_pending_id/],
        ['overdue held', overdueHeldQuery(dialect, clock.now(), 3), perAgent],
        ['held by unavailable', heldByUnavailableQuery(dialect, 3), perAgent],
        ['held by unavailable, count', heldByUnavailableCountQuery(dialect), dialect === 'sqlite' ? perAgent : /SubPlan.*agent_id = u\.id/],
        ['failed emails', undeliveredEmailsQuery('failed', 3), /outbox_by_status/],
        // One team's (Support, id 1): its own range of the queue, the held ones per agent, its emails among the few undelivered.
        // PostgreSQL may instead walk the queue's deadline index in order and filter the team (a
        // team holding most of the queue): either way the queue's entries, never the table's.
        ['overdue waiting of a team', overdueWaitingQuery(dialect, clock.now(), 3, 1), dialect === 'sqlite' ? /tickets_queue_by_team/ : /tickets_queue_by_team|tickets_queue_deadline/],
        ['overdue held of a team', overdueHeldQuery(dialect, clock.now(), 3, 1), perAgent],
        ['overdue of a team, count', overdueOfTeamCountQuery(dialect, clock.now(), 1), dialect === 'sqlite' ? /tickets_queue_by_team[\s\S]*tickets_open_by_agent|tickets_open_by_agent[\s\S]*tickets_queue_by_team/ : /tickets_queue_[\s\S]*SubPlan.*agent_id = u\.id/],
        ['held by unavailable of a team', heldByUnavailableQuery(dialect, 3, 1), perAgent],
        ['held by unavailable of a team, count', heldByUnavailableCountQuery(dialect, 1), dialect === 'sqlite' ? perAgent : /SubPlan.*agent_id = u\.id/],
        ['failed emails of a team', undeliveredEmailsQuery('failed', 3, 1), /outbox_by_status/],
        ['undelivered emails of a team, count', undeliveredOfTeamCountQuery(1), /outbox_by_status/],
      ];
      for (const [name, query, index] of queries) {
        const compiled = query.compile(t.ctx.handle.db);
        const plan = await t.ctx.handle.db.transaction().execute(async (trx) => {
          if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
          return trx.executeQuery(CompiledQuery.raw((dialect === ('sqlite' as Dialect) ? 'explain query plan ' : 'explain ') + compiled.sql, [...compiled.parameters]));
        });
        expect(JSON.stringify(plan.rows), name).toMatch(index);
      }
    });
  });
}
