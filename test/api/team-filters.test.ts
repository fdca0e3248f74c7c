/**
 * `?team=` (§12) on GET /api/v1/stats, the ticket and agent lists of the API and of /admin/, and
 * the dashboard (its page, its feed, its team filter), with satisfaction per agent and per team
 * (§13), on both engines. One team's figures are that team's tickets only; the teams' figures add
 * up to the whole; an unknown team is a 400 naming `team`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { csatToken } from '../../src/services/csat.js';
import { changePresence } from '../../src/services/presence.js';
import { type AdminActor, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { adminClient, visibleText } from '../admin/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { ApiClient } from './support.js';

const TICKET = { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong amount', priority: 'low' };
const csat = (rated: number, good: number, score: number | null) => ({ rated, good, score });

for (const dialect of DIALECTS) {
  describe(`?team= on stats, lists and the dashboard (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let admin: Client;
    const clock = new FakeClock();
    const ids: Record<string, number> = {};

    const create = async (topic?: string) => {
      const response = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, ...(topic ? { topic } : {}) } });
      expect(response.statusCode).toBe(201);
      return (await findTicketById(t.ctx.handle.db, Number(String(response.json().reference).replace('HD-', ''))))!;
    };
    const closeAndRate = async (id: number, agent: number, score: 'good' | 'bad') => {
      await closeTicket(t.ctx, { id: agent, role: 'agent' }, id);
      const path = `/tickets/rate/${csatToken((await findTicketById(t.ctx.handle.db, id))!)}/`;
      const customer = new Client(t.app);
      const page = await customer.get(`${path}?score=${score}`);
      expect((await customer.post(path, { score, _csrf: csrfFrom(page.body) })).statusCode).toBe(303);
    };
    const stats = async (query: string) => {
      const response = await api.get(`/api/v1/stats${query}`);
      expect(response.status).toBe(200);
      return response.body;
    };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const root = await adminClient(t);
      admin = root.client;
      const actor: AdminActor = { id: root.id, username: 'root', address: '127.0.0.1' };
      ids.ana = await addStaff(t.ctx, 'ana', { capacity: 5 });
      ids.ben = await addStaff(t.ctx, 'ben', { capacity: 5 });
      await saveTeam(t.ctx, actor, validateTeam({ name: 'Billing' }));
      await setAgentTeamsAndSkills(t.ctx, actor, ids.ben, { teams: ['Billing'] });
      await saveTopic(t.ctx, actor, validateTopic({ name: 'Invoices', team: 'Billing' }));
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'figures')).token);
      await changePresence(t.ctx, ids.ana, 'available');
      await changePresence(t.ctx, ids.ben, 'available');
      // Support: two tickets with ana, one closed and rated good; Billing: one with ben, closed and rated bad, one open.
      const [s1, s2, b1, b2] = [await create(), await create(), await create('Invoices'), await create('invoices')];
      expect([s1.agent_id, s2.agent_id, b1.agent_id, b2.agent_id]).toEqual([ids.ana, ids.ana, ids.ben, ids.ben]);
      await closeAndRate(s1.id, ids.ana, 'good');
      await closeAndRate(b1.id, ids.ben, 'bad');
    });
    afterAll(() => t.close());

    it('GET /api/v1/stats?team= counts that team’s tickets, its members and its ratings; the teams add up to the whole', async () => {
      const all = await stats('');
      expect(all).toMatchObject({ team: null, total: 4, closed: 2, csat: csat(2, 1, 0.5), teams: [{ name: 'Support', csat: csat(1, 1, 1) }, { name: 'Billing', csat: csat(1, 0, 0) }] });
      const billing = await stats('?team=billing');
      expect(billing).toMatchObject({ team: 'Billing', total: 2, open: 1, closed: 1, pending: 0, csat: csat(1, 0, 0), teams: [{ name: 'Billing', csat: csat(1, 0, 0) }] });
      expect(billing.agents.map((a: { username: string; closed: number; open: number; csat: unknown }) => [a.username, a.closed, a.open, a.csat])).toEqual([['ben', 1, 1, csat(1, 0, 0)]]);
      const support = await stats('?team=1&window=24h');
      expect(support).toMatchObject({ team: 'Support', window: '24h', total: 2, closed: 1, csat: csat(1, 1, 1) });
      expect(support.agents.map((a: { username: string }) => a.username)).toEqual(['ana']);
      for (const key of ['total', 'pending', 'open', 'closed'] as const) expect(billing[key] + support[key]).toBe(all[key]);
      expect(billing.sla.targets.resolution.met + support.sla.targets.resolution.met).toBe(all.sla.targets.resolution.met);
      expect(billing.resolution.p50_seconds).toEqual(expect.any(Number));
    });

    it('refuses an unknown team with a 400 naming `team`', async () => {
      for (const url of ['/api/v1/stats?team=Nowhere', '/api/v1/tickets?team=Nowhere', '/api/v1/agents?team=Nowhere']) {
        const response = await api.get(url);
        expect([url, response.status, response.body.error.fields]).toEqual([url, 400, { team: expect.stringMatching(/no team has this name/i) }]);
      }
      // A name too long for any team, or two teams, is refused in the same words on each (the figures said zod's own).
      for (const path of ['/api/v1/stats', '/api/v1/tickets', '/api/v1/agents']) {
        const long = await api.get(`${path}?team=${'x'.repeat(101)}`);
        expect([path, long.status, long.body.error.fields]).toEqual([path, 400, { team: 'Team names have at most 64 characters.' }]);
        const two = await api.get(`${path}?team=Support&team=Billing`);
        expect([path, two.status, two.body.error.fields]).toEqual([path, 400, { team: 'Give one team.' }]);
      }
      expect((await admin.get('/adminapp/dashboard/?team=Nowhere')).statusCode).toBe(400);
      const feed = await admin.get('/adminapp/dashboard/data.json?team=Nowhere');
      expect([feed.statusCode, feed.json().error.fields]).toEqual([400, { team: expect.stringMatching(/no team has this name/i) }]);
    });

    it('filters the API’s ticket and agent lists by team', async () => {
      const tickets = await api.get('/api/v1/tickets?team=Billing');
      expect(tickets.body.items.map((x: { team: string }) => x.team)).toEqual(['Billing', 'Billing']);
      expect((await api.get('/api/v1/tickets?team=support&state=closed')).body.items).toHaveLength(1);
      const agents = await api.get('/api/v1/agents?team=billing');
      expect(agents.body.items.map((a: { username: string }) => a.username)).toEqual(['ben']);
    });

    it('filters /admin/tickets/ and /admin/users/ by team', async () => {
      const tickets = await admin.get('/admin/tickets/?team=BILLING');
      expect(tickets.statusCode).toBe(200);
      expect((tickets.body.match(/data-id="\d+"/g) ?? []).length).toBe(2);
      expect((await admin.get('/admin/tickets/?team=Nowhere')).body).not.toMatch(/data-id="\d+"/);
      const users = await admin.get('/admin/users/?team=billing');
      expect(visibleText(users)).toContain('ben');
      expect(visibleText(users)).not.toMatch(/\bana\b/);
    });

    it('shows one team’s dashboard: its figures, its feed, the team filter and satisfaction per team', async () => {
      const page = await admin.get('/adminapp/dashboard/?window=all&team=billing');
      expect(page.statusCode).toBe(200);
      expect(visibleText(page)).toContain('of team Billing');
      expect(page.body).toContain('data-feed="/adminapp/dashboard/data.json?window=all&amp;team=Billing"');
      expect(page.body).toMatch(/<a href="\/adminapp\/dashboard\/\?window=all&amp;team=Billing" aria-current="page"/);
      expect(page.body).toContain('href="/adminapp/dashboard/?window=7d&amp;team=Billing"');
      const feed = (await admin.get('/adminapp/dashboard/data.json?window=all&team=Billing')).json();
      expect(feed).toMatchObject({ team: 'Billing', total: 2, csat: csat(1, 0, 0), team_choices: ['Support', 'Billing'] });
      const whole = await admin.get('/adminapp/dashboard/');
      expect(visibleText(whole)).toMatch(/Satisfaction per team Team Rated Good Satisfaction Support 1 1 100\.0 % Billing 1 0 0\.0 %/);
    });

    it('refuses a team named in digits alone, which every ?team= (lists, figures, the dashboard’s links) reads as an id', async () => {
      const teams = () => t.ctx.handle.db.selectFrom('teams').select(['id', 'name']).orderBy('id').execute();
      const before = await teams();
      for (const name of ['2', ' 17 ']) {
        const response = await api.post('/api/v1/teams', { name });
        expect([name, response.status, response.body.error?.fields]).toEqual([name, 400, { name: expect.stringMatching(/digits/i) }]);
      }
      expect(await teams()).toEqual(before);
      // A name with digits and something else is a name.
      expect((await api.post('/api/v1/teams', { name: 'Tier 2' })).status).toBe(201);
    });

    // A ticket's `topic` (the API, intake's memory of the names) reads digits alone as a topic's id
    // too: a topic named "1" was another topic (General) to every ticket naming it.
    it('refuses a topic named in digits alone, which a ticket’s topic reads as an id', async () => {
      const topics = () => t.ctx.handle.db.selectFrom('topics').select(['id', 'name']).orderBy('id').execute();
      const before = await topics();
      for (const name of ['1', ' 23 ']) {
        const response = await api.post('/api/v1/topics', { name, team: 'Support' });
        expect([name, response.status, response.body.error?.fields]).toEqual([name, 400, { name: expect.stringMatching(/digits/i) }]);
      }
      expect(await topics()).toEqual(before);
    });
  });
}
