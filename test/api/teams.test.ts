/**
 * Teams, topics and skills through the JSON API (§12): the admin routes, `topic` on
 * POST /api/v1/tickets, tickets showing team, topic and skills, and inbound addresses leading to
 * topics through POST /api/v1/inbound/email. Refusals are 400s naming the field and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { postMail, rawMail } from '../mail/support/raw-mail.js';
import { MAIL_FROM } from '../mail/support/testbed.js';

const TICKET = { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong amount', priority: 'low' };

for (const dialect of DIALECTS) {
  describe(`teams, topics and skills in the API (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let ben: number;
    const clock = new FakeClock();
    const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    const db = () => t.ctx.handle.db;
    const counts = async () => Promise.all(['teams', 'team_members', 'topics', 'skills', 'agent_skills', 'tickets'].map(async (table) => (await db().selectFrom(table as 'teams').selectAll().execute()).length));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { mailFrom: MAIL_FROM } });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      await addStaff(t.ctx, 'ana');
      ben = await addStaff(t.ctx, 'ben');
      token = (await createApiToken(t.ctx, root, 'admin script')).token;
    });
    afterAll(() => t.close());

    it('refuses deleting the last topic on the form with 409 conflict, as for a team in use; nothing changed', async () => {
      const [general] = (await api('GET', '/api/v1/topics')).json().items;
      const before = await counts();
      const refused = await api('DELETE', `/api/v1/topics/${general.id}`);
      expect([refused.statusCode, refused.json().error]).toEqual([409, { code: 'conflict', message: expect.stringMatching(/^Topic “General” cannot be deleted: it is the last topic on the form/) }]);
      expect(await counts()).toEqual(before);
    });

    it('sets up a team, a skill, an agent in them, and a topic with an inbound address; the form asks for a topic only from then on', async () => {
      const form = async () => (await t.app.inject({ method: 'GET', url: '/tickets/create/' })).body;
      expect(await form()).not.toContain('name="topic"');
      expect((await api('POST', '/api/v1/teams', { name: 'Billing' })).statusCode).toBe(201);
      expect((await api('POST', '/api/v1/skills', { name: 'German' })).json()).toMatchObject({ name: 'German', agents: [] });
      const agent = await api('PUT', '/api/v1/agents/ben/teams', { teams: ['Billing'], skills: ['German'] });
      expect(agent.json()).toEqual({ teams: ['Billing'], skills: ['German'] });
      const topic = await api('POST', '/api/v1/topics', { name: 'Rechnung', team: 'Billing', skills: [{ name: 'German', optional_after_minutes: 10 }], addresses: ['Rechnung@Helpdesk.example'] });
      expect(topic.statusCode).toBe(201);
      expect(topic.json()).toMatchObject({ name: 'Rechnung', team: 'Billing', skills: [{ name: 'German', optional_after_minutes: 10 }], addresses: ['rechnung@helpdesk.example'] });
      expect(await form()).toMatch(/<select[^>]*name="topic"[\s\S]*General[\s\S]*Rechnung/);
      const teams = (await api('GET', '/api/v1/teams')).json().items;
      expect(teams).toEqual([
        { id: 1, name: 'Support', calendar: null, sla: null, overflow_team: null, overflow_after_minutes: null, queue_order: null, members: ['ana'] },
        { id: expect.any(Number), name: 'Billing', calendar: null, sla: null, overflow_team: null, overflow_after_minutes: null, queue_order: null, members: ['ben'] },
      ]);
    });

    it('a team’s queue_order: GET shows it, PUT sets it (absent or null: the desk’s), a bad one is a 400 naming it that changes nothing', async () => {
      const billing = (await api('GET', '/api/v1/teams')).json().items.find((x: { name: string }) => x.name === 'Billing');
      const stored = async () => (await api('GET', '/api/v1/teams')).json().items.find((x: { id: number }) => x.id === billing.id);
      const put = (body: object) => api('PUT', `/api/v1/teams/${billing.id}`, { name: 'Billing', members: ['ben'], ...body });
      const set = await put({ queue_order: 'Deadline' });
      expect([set.statusCode, set.json().queue_order]).toEqual([200, 'deadline']);
      expect((await stored()).queue_order).toBe('deadline');
      const row = () => db().selectFrom('teams').selectAll().where('id', '=', billing.id).executeTakeFirstOrThrow();
      for (const bad of ['newest', 5, ['oldest']]) {
        const before = [await row(), await counts()];
        const refused = await put({ queue_order: bad, overflow_team: 'Support', overflow_after_minutes: 5 });
        expect([refused.statusCode, Object.keys(refused.json().error.fields)], JSON.stringify(bad)).toEqual([400, ['queue_order']]);
        expect(refused.json().error.fields.queue_order).toMatch(/oldest or deadline/);
        expect([await row(), await counts()]).toEqual(before);
      }
      expect((await put({ queue_order: 'oldest' })).json().queue_order).toBe('oldest');
      // A PUT replaces the whole team: without queue_order (or with null) it follows the desk's again.
      expect((await put({})).json().queue_order).toBeNull();
      await put({ queue_order: 'deadline' });
      expect((await put({ queue_order: null })).json().queue_order).toBeNull();
      const created = await api('POST', '/api/v1/teams', { name: 'Nightly', queue_order: 'deadline' });
      expect([created.statusCode, created.json().queue_order]).toEqual([201, 'deadline']);
      expect((await api('DELETE', `/api/v1/teams/${created.json().id}`)).statusCode).toBe(204);
    });

    it('lists teams, topics and skills as every API list is: {items, next_cursor}, next_cursor null (one page)', async () => {
      for (const url of ['/api/v1/teams', '/api/v1/topics', '/api/v1/skills']) {
        const listed = await api('GET', url);
        expect(listed.statusCode, url).toBe(200);
        expect(Object.keys(listed.json()).sort(), url).toEqual(['items', 'next_cursor']);
        expect(listed.json().next_cursor, url).toBeNull();
        expect(listed.json().items.length, url).toBeGreaterThan(0);
      }
      expect((await api('GET', '/api/v1/skills')).json().items).toEqual([{ id: expect.any(Number), name: 'German', agents: ['ben'] }]);
    });

    it('POST /api/v1/tickets takes `topic`, and tickets show team, topic and skills', async () => {
      await changePresence(t.ctx, ben, 'available');
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, topic: 'rechnung' } });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ agent: 'ben', team: 'Billing', topic: 'Rechnung', skills: [{ name: 'German', optional_after_minutes: 10 }] });
      const plain = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET });
      expect(plain.json()).toMatchObject({ team: 'Support', topic: 'General', skills: [] });
      const listed = (await api('GET', `/api/v1/tickets/${created.json().reference}`)).json();
      expect(listed).toMatchObject({ team: 'Billing', topic: 'Rechnung' });
      // By id too, as a JSON integer or as text (README: "by name in any letter case or by id").
      const rechnung = (await api('GET', '/api/v1/topics')).json().items.find((topic: { name: string }) => topic.name === 'Rechnung');
      for (const topic of [rechnung.id, String(rechnung.id)]) {
        const byId = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, topic } });
        expect(byId.statusCode, JSON.stringify(topic)).toBe(201);
        expect(byId.json()).toMatchObject({ team: 'Billing', topic: 'Rechnung' });
      }
      // The answer to the creation is made from what its routing transaction knew, not read again:
      // it says exactly what reading the ticket says.
      for (const answer of [created.json(), plain.json()]) {
        const { token: _token, ...ticket } = answer;
        // Reading one ticket adds its events, the people copied on its mail (none for an API ticket)
        // and, for staff, the customer's rating (none yet).
        const { events: _events, cc, csat, ...read } = (await api('GET', `/api/v1/tickets/${answer.reference}`)).json();
        expect(cc).toEqual([]);
        expect(csat).toBeNull();
        expect(ticket).toEqual(read);
      }
    });

    it('a mail to a topic address becomes a ticket of that topic; other mail gets the first topic', async () => {
      const toTopic = await postMail(t.app, token, rawMail({ from: 'erin@customer.example', to: 'Rechnungen <rechnung@helpdesk.example>', subject: 'Falsche Rechnung' }));
      expect(toTopic.json().result).toBe('created');
      const other = await postMail(t.app, token, rawMail({ from: 'fay@customer.example', subject: 'Printer' }));
      const [a, b] = await Promise.all([toTopic, other].map((r) => api('GET', `/api/v1/tickets/${r.json().ticket}`)));
      expect([a!.json().topic, a!.json().team, b!.json().topic]).toEqual(['Rechnung', 'Billing', 'General']);
      expect(await capacityViolations(db())).toEqual([]);
      expect(await historyViolations(db())).toEqual([]);
    });

    it.each<[string, 'POST' | 'PUT' | 'DELETE', string, unknown, string]>([
      ['an unknown topic on a new ticket', 'POST', '/api/v1/tickets', { ...TICKET, topic: 'Nope' }, 'topic'],
      ['an unknown topic id on a new ticket', 'POST', '/api/v1/tickets', { ...TICKET, topic: 999_999 }, 'topic'],
      ['a topic id that is not a whole number', 'POST', '/api/v1/tickets', { ...TICKET, topic: 2.5 }, 'topic'],
      ['a topic id that is not positive', 'POST', '/api/v1/tickets', { ...TICKET, topic: 0 }, 'topic'],
      ['a topic that is neither a name nor an id', 'POST', '/api/v1/tickets', { ...TICKET, topic: true }, 'topic'],
      ['a skill that does not exist on an agent', 'PUT', '/api/v1/agents/ben/teams', { skills: ['Klingon'] }, 'skills'],
      ['a skill that does not exist on a topic', 'POST', '/api/v1/topics', { name: 'X', team: 'Support', skills: ['Klingon'] }, 'skills'],
      ['a topic of a team that does not exist', 'POST', '/api/v1/topics', { name: 'X', team: 'Nowhere' }, 'team'],
      ['a team name in use', 'POST', '/api/v1/teams', { name: 'billing' }, 'name'],
      ['an overflow wait that is not a number of minutes', 'POST', '/api/v1/teams', { name: 'Y', overflow_team: 'Support', overflow_after_minutes: 'soon' }, 'overflow_after_minutes'],
      // Not "give an overflow team and its wait together" on the wait, which names the wrong field.
      ['an overflow team that is neither a name nor an id', 'POST', '/api/v1/teams', { name: 'Y', overflow_team: true, overflow_after_minutes: 5 }, 'overflow_team'],
      ['a topic’s team that is neither a name nor an id', 'POST', '/api/v1/topics', { name: 'X', team: ['Support'] }, 'team'],
      ['taking the last team of an agent holding a ticket', 'PUT', '/api/v1/agents/ben/teams', { teams: [] }, 'teams'],
      ['taking an agent holding a ticket out of its last team, by the team', 'PUT', '/api/v1/teams/2', { name: 'Billing', members: [] }, 'members'],
      ['a member who is not an agent', 'PUT', '/api/v1/teams/2', { name: 'Billing', members: ['ben', 'root'] }, 'members'],
      ['a default priority that is not one', 'POST', '/api/v1/topics', { name: 'X', team: 'Support', default_priority: 'urgent' }, 'default_priority'],
      ['hidden that is not a yes or no', 'POST', '/api/v1/topics', { name: 'X', team: 'Support', hidden: 'maybe' }, 'hidden'],
    ])('refuses %s: 400 naming the field, nothing changed', async (_t, method, url, payload, field) => {
      const before = await counts();
      const response = await api(method, url, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.fields).toHaveProperty(field);
      expect(await counts()).toEqual(before);
    });

    it('refuses deleting a team or skill in use with 409 conflict saying what uses it, as for a calendar in use; nothing changed', async () => {
      const billing = (await api('GET', '/api/v1/teams')).json().items.find((x: { name: string }) => x.name === 'Billing');
      const german = (await api('GET', '/api/v1/skills')).json().items.find((x: { name: string }) => x.name === 'German');
      const before = await counts();
      const team = await api('DELETE', `/api/v1/teams/${billing.id}`);
      expect(team.statusCode).toBe(409);
      expect(team.json().error).toEqual({ code: 'conflict', message: expect.stringMatching(/^Team “Billing” cannot be deleted: it holds 4 open tickets .*; topics route to it: Rechnung /) });
      const support = await api('DELETE', '/api/v1/teams/1');
      expect([support.statusCode, support.json().error]).toEqual([409, { code: 'conflict', message: 'Team “Support” cannot be deleted: every new agent joins it.' }]);
      const skill = await api('DELETE', `/api/v1/skills/${german.id}`);
      expect([skill.statusCode, skill.json().error]).toEqual([409, { code: 'conflict', message: 'Skill “German” cannot be deleted: topics require it: Rechnung (take it off them first).' }]);
      expect(await counts()).toEqual(before);
    });

    it('a team is named by its id too where a save names one (an overflow team, a topic’s team, an agent’s teams), as every ?team= reads digits', async () => {
      const tier2 = (await api('POST', '/api/v1/teams', { name: 'Tier 3' })).json();
      const front = await api('POST', '/api/v1/teams', { name: 'Desk', overflow_team: tier2.id, overflow_after_minutes: 30 });
      expect([front.statusCode, front.json().overflow_team]).toEqual([201, 'Tier 3']);
      const byText = await api('PUT', `/api/v1/teams/${front.json().id}`, { name: 'Desk', overflow_team: String(tier2.id), overflow_after_minutes: 30 });
      expect([byText.statusCode, byText.json().overflow_team]).toEqual([200, 'Tier 3']);
      const topic = await api('POST', '/api/v1/topics', { name: 'Escalations', team: String(tier2.id), hidden: true });
      expect([topic.statusCode, topic.json().team]).toEqual([201, 'Tier 3']);
      const none = await api('POST', '/api/v1/teams', { name: 'Nobody', overflow_team: 999_999, overflow_after_minutes: 30 });
      expect([none.statusCode, none.json().error.fields.overflow_team]).toEqual([400, 'Overflow team: no team is named “999999”.']);
      expect((await api('DELETE', `/api/v1/topics/${topic.json().id}`)).statusCode).toBe(204);
      expect((await api('DELETE', `/api/v1/teams/${front.json().id}`)).statusCode).toBe(204);
      expect((await api('DELETE', `/api/v1/teams/${tier2.id}`)).statusCode).toBe(204);
    });

    it('refuses deleting a team another team overflows into (409 naming it), rather than taking that team’s overflow away unsaid; once it names none, the team may go', async () => {
      const tier2 = (await api('POST', '/api/v1/teams', { name: 'Tier 2' })).json();
      const front = (await api('POST', '/api/v1/teams', { name: 'Front', overflow_team: 'Tier 2', overflow_after_minutes: 30 })).json();
      const before = JSON.stringify((await api('GET', '/api/v1/teams')).json());
      const refused = await api('DELETE', `/api/v1/teams/${tier2.id}`);
      expect([refused.statusCode, refused.json().error]).toEqual([409, { code: 'conflict', message: 'Team “Tier 2” cannot be deleted: teams overflow into it: Front (give them another overflow team, or none).' }]);
      expect(JSON.stringify((await api('GET', '/api/v1/teams')).json())).toBe(before);
      expect((await api('PUT', `/api/v1/teams/${front.id}`, { name: 'Front' })).statusCode).toBe(200);
      expect((await api('DELETE', `/api/v1/teams/${tier2.id}`)).statusCode).toBe(204);
      expect((await api('DELETE', `/api/v1/teams/${front.id}`)).statusCode).toBe(204);
    });

    it('a hidden topic is reached only by its address, with its default priority; the API refuses it by name', async () => {
      const created = await api('POST', '/api/v1/topics', { name: 'VIP', team: 'Billing', hidden: true, default_priority: 'high', addresses: ['vip@helpdesk.example'] });
      expect(created.json()).toMatchObject({ name: 'VIP', hidden: true, default_priority: 'high' });
      const before = await counts();
      const byName = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, topic: 'VIP' } });
      expect([byName.statusCode, byName.json().error.fields]).toEqual([400, { topic: expect.stringMatching(/no topic has this name/i) }]);
      expect(await counts()).toEqual(before);
      expect(await (await t.app.inject({ method: 'GET', url: '/tickets/create/' })).body).not.toContain('>VIP<');
      const mailed = await postMail(t.app, token, rawMail({ from: 'gil@customer.example', to: 'vip@helpdesk.example', subject: 'Urgent' }));
      expect((await api('GET', `/api/v1/tickets/${mailed.json().ticket}`)).json()).toMatchObject({ topic: 'VIP', team: 'Billing', priority: 'high' });
      // The audit log has every change made through the API, by the token's admin.
      const actions = await db().selectFrom('audit_log').select(['action', 'actor_name']).where('action', 'like', 'topic.%').execute();
      expect(actions).toContainEqual({ action: 'topic.create', actor_name: 'root' });
    });

    it('refuses deleting a skill a waiting ticket still needs with 409 conflict (nobody could ever hold it again); once given to an agent it may go', async () => {
      const skill = (await api('POST', '/api/v1/skills', { name: 'Klingon' })).json();
      const topic = (await api('POST', '/api/v1/topics', { name: 'Qapla', team: 'Support', skills: ['Klingon'] })).json();
      const created = (await api('POST', '/api/v1/tickets', { ...TICKET, topic: 'Qapla' })).json();
      expect(created.agent).toBeNull();
      expect((await api('PUT', `/api/v1/topics/${topic.id}`, { name: 'Qapla', team: 'Support' })).statusCode).toBe(200);
      const before = await counts();
      const refused = await api('DELETE', `/api/v1/skills/${skill.id}`);
      expect([refused.statusCode, refused.json().error]).toEqual([409, { code: 'conflict', message: 'Skill “Klingon” cannot be deleted: 1 waiting ticket still needs it (give it to an agent first).' }]);
      expect(await counts()).toEqual(before);
      expect((await api('POST', `/api/v1/tickets/${created.reference}/close`)).statusCode).toBe(200);
      expect((await api('DELETE', `/api/v1/skills/${skill.id}`)).statusCode).toBe(204);
    });

    it('a name or address given twice in any letter case counts once (team members, an agent’s teams and skills, a topic’s addresses); a topic naming a skill twice is a 400 naming skills that changes nothing', async () => {
      // Each was a 500: the same id twice broke the membership's (or the address's) primary key.
      const team = await api('POST', '/api/v1/teams', { name: 'Twice', members: ['ana', 'ANA'] });
      expect([team.statusCode, team.json().members]).toEqual([201, ['ana']]);
      const agent = await api('PUT', '/api/v1/agents/ana/teams', { teams: ['Support', 'support', 'Twice'], skills: ['German', 'GERMAN'] });
      expect([agent.statusCode, agent.json()]).toEqual([200, { teams: ['Support', 'Twice'], skills: ['German'] }]);
      const topic = await api('POST', '/api/v1/topics', { name: 'Twice over', team: 'Twice', addresses: ['Twice@Helpdesk.example', 'twice@helpdesk.example'] });
      expect([topic.statusCode, topic.json().addresses]).toEqual([201, ['twice@helpdesk.example']]);
      const before = await counts();
      for (const skills of [['German', 'german'], [{ name: 'German' }, { name: 'german', optional_after_minutes: 5 }]]) {
        const refused = await api('POST', '/api/v1/topics', { name: 'Twice again', team: 'Twice', skills });
        expect([refused.statusCode, refused.json().error.fields]).toEqual([400, { skills: 'Skills: the skill “german” is listed twice.' }]);
      }
      expect(await counts()).toEqual(before);
    });
  });
}
