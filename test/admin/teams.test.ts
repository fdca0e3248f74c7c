/**
 * Teams, topics and skills pages (SPEC §12) through the real app on both engines: admin only;
 * teams created and edited with their members and overflow; skills added on the teams page and
 * given to agents on their user page; topics with team, hidden flag, default priority, skills with
 * waits and addresses. Every write leaves one audit entry; every refusal is a 400 naming the field,
 * keeps the admin's input and changes nothing (audit log included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { adminClient, agentClient, visibleText } from './support.js';

const TEAMS = '/adminapp/teams/';
const TOPICS = '/adminapp/topics/';
const TICKET = { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong amount', priority: 'low' };

for (const dialect of DIALECTS) {
  describe(`teams, topics and skills pages (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let ana: number;
    let ben: number;
    const db = () => t.ctx.handle.db;
    const snapshot = async () =>
      JSON.stringify(await Promise.all(['teams', 'team_members', 'skills', 'agent_skills', 'topics', 'topic_skills', 'topic_addresses', 'tickets', 'audit_log'].map((x) => db().selectFrom(x as 'teams').selectAll().execute())));
    const idOf = async (table: 'teams' | 'topics' | 'skills', name: string) => (await db().selectFrom(table).select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
    const audits = (action: string) => db().selectFrom('audit_log').select(['actor_name', 'subject', 'before_json', 'after_json']).where('action', '=', action).orderBy('id').execute();
    /** Posts a form (boxes as arrays) with the CSRF token of `page`. */
    const send = async (page: string, action: string, fields: Record<string, string | string[]>) => admin.post(action, { ...fields, _csrf: csrfFrom((await admin.get(page)).body) });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      ana = await addStaff(t.ctx, 'ana', { capacity: 2 });
      ben = await addStaff(t.ctx, 'ben', { capacity: 2 });
      admin = (await adminClient(t)).client;
    });
    afterAll(() => t.close());

    it('is for admins only: anonymous visitors log in first, agents get 403 and write nothing', async () => {
      for (const url of [TEAMS, `${TEAMS}new/`, TOPICS, `${TOPICS}new/`]) {
        const anonymous = await new Client(t.app).get(url);
        expect([anonymous.statusCode, anonymous.headers.location]).toEqual([303, `/agents/login/?next=${encodeURIComponent(url)}`]);
      }
      const agent = await agentClient(t, 'ana');
      expect((await agent.get(TEAMS)).statusCode).toBe(403);
      const before = await snapshot();
      const csrf = csrfFrom((await agent.get('/agents/dashboard/')).body);
      for (const [url, fields] of [[`${TEAMS}new/`, { name: 'Sneaky' }], [`${TEAMS}skills/`, { name: 'Sneaky' }], [`${TOPICS}new/`, { name: 'Sneaky', team: 'support' }], [`/admin/users/${ana}/teams/`, { teams: 'Support' }]] as const) {
        expect((await agent.post(url, { ...fields, _csrf: csrf })).statusCode).toBe(403);
      }
      expect(await snapshot()).toBe(before);
    });

    it('refuses deleting the last topic on the form with 409 saying why; nothing changed', async () => {
      const general = await idOf('topics', 'General');
      const before = await snapshot();
      const refused = await send(`${TOPICS}${general}/`, `${TOPICS}${general}/delete/`, {});
      expect(refused.statusCode).toBe(409);
      expect(visibleText(refused)).toContain('Topic “General” cannot be deleted: it is the last topic on the form, and new tickets need one (add or show another topic first).');
      expect(await snapshot()).toBe(before);
    });

    it('creates a team with members; the list shows it, the navigation links to it, the audit log has the change', async () => {
      const blank = await admin.get(`${TEAMS}new/`);
      expect(blank.statusCode).toBe(200);
      expect(blank.body).toContain('name="members" value="ana"');
      const created = await send(`${TEAMS}new/`, `${TEAMS}new/`, { name: 'Billing', members: ['ana', 'ben'], overflow_team: 'support', overflow_after_minutes: '30' });
      expect([created.statusCode, created.headers.location]).toEqual([303, TEAMS]);
      const list = await admin.get(TEAMS);
      expect(list.body).toContain(`<a href="${TEAMS}">Teams</a>`);
      expect(visibleText(list)).toMatch(/Billing ana, ben The desk’s Support after 30 min/);
      expect(visibleText(list)).toContain('Team “Billing” created.');
      const [entry] = await audits('team.create');
      expect(entry).toMatchObject({ actor_name: 'root', subject: `team:${await idOf('teams', 'Billing')}`, before_json: null });
      expect(JSON.parse(entry!.after_json!)).toMatchObject({ name: 'Billing', members: ['ana', 'ben'], overflow_team: 'Support', overflow_after_minutes: 30 });
    });

    it('edits a team: the form shows it as saved, and a save changes its name and members', async () => {
      const billing = await idOf('teams', 'Billing');
      const page = await admin.get(`${TEAMS}${billing}/`);
      expect(page.body).toMatch(/name="members" value="ben" checked/);
      const saved = await send(`${TEAMS}${billing}/`, `${TEAMS}${billing}/`, { name: 'Billing', members: ['ben'], overflow_team: '', overflow_after_minutes: '' });
      expect(saved.statusCode).toBe(303);
      const members = await db().selectFrom('team_members').select('user_id').where('team_id', '=', billing).execute();
      expect(members.map((m) => m.user_id)).toEqual([ben]);
      const [entry] = await audits('team.update');
      expect(JSON.parse(entry!.before_json!)).toMatchObject({ members: ['ana', 'ben'] });
      expect(JSON.parse(entry!.after_json!)).toMatchObject({ members: ['ben'], overflow_team: null });
    });

    it.each<[string, string, Record<string, string | string[]>, string, RegExp]>([
      ['a taken team name', `${TEAMS}new/`, { name: 'billing', members: ['ana'] }, 'name', /Another team has this name/],
      ['an unknown member', `${TEAMS}new/`, { name: 'Tech', members: ['zed'] }, 'members', /No agent is named “zed”/],
      ['an overflow without its wait', `${TEAMS}new/`, { name: 'Tech', overflow_team: 'support' }, 'overflow_after_minutes', /together/],
      ['a queue order nobody knows (edited page)', `${TEAMS}1/`, { name: 'Support', members: ['ana'], queue_order: 'newest' }, 'queue_order', /Choose oldest or deadline/],
      ['a topic without a team', `${TOPICS}new/`, { name: 'Orders', team: '' }, 'team', /Required/],
      ['a topic of a team that does not exist', `${TOPICS}new/`, { name: 'Orders', team: 'nowhere' }, 'team', /No team is named/],
      ['a skill that does not exist on a topic', `${TOPICS}new/`, { name: 'Orders', team: 'support', skills: 'Klingon' }, 'skills', /No skill is named “Klingon”/],
      ['a bad default priority', `${TOPICS}new/`, { name: 'Orders', team: 'support', default_priority: 'urgent' }, 'default_priority', /high, medium or low/],
      ['hiding the only topic on the form', `${TOPICS}1/`, { name: 'General', team: 'support', hidden: 'on' }, 'hidden', /at least one topic that is not hidden/],
    ])('refuses %s with a 400 by the field, the input kept, nothing changed', async (_what, url, fields, field, message) => {
      const before = await snapshot();
      const page = await send(url, url, fields);
      expect(page.statusCode).toBe(400);
      expect(page.body).toMatch(new RegExp(`id="${field}-error" class="field-error">[^<]*${message.source}`, 'i'));
      expect(page.body).toContain(`value="${Array.isArray(fields.name) ? '' : fields.name}"`);
      expect(await snapshot()).toBe(before);
    });

    it('adds skills on the teams page and refuses a second one of the same name', async () => {
      for (const name of ['German', 'SQL']) expect((await send(TEAMS, `${TEAMS}skills/`, { name })).statusCode).toBe(303);
      expect(visibleText(await admin.get(TEAMS))).toMatch(/German — Delete/);
      const before = await snapshot();
      const again = await send(TEAMS, `${TEAMS}skills/`, { name: 'german' });
      expect(again.statusCode).toBe(400);
      expect(again.body).toContain('Name: another skill has this name.');
      expect(await snapshot()).toBe(before);
      expect((await audits('skill.create')).map((a) => JSON.parse(a.after_json!).name)).toEqual(['German', 'SQL']);
    });

    it('renames a skill on the teams page; a clash shows the list again with the message, nothing changed', async () => {
      const sql = await idOf('skills', 'SQL');
      expect((await admin.get(TEAMS)).body).toContain(`action="${TEAMS}skills/${sql}/"`);
      const before = await snapshot();
      const clash = await send(TEAMS, `${TEAMS}skills/${sql}/`, { name: 'GERMAN' });
      expect(clash.statusCode).toBe(400);
      expect(visibleText(clash)).toContain('another skill has this name');
      expect(await snapshot()).toBe(before);
      const renamed = await send(TEAMS, `${TEAMS}skills/${sql}/`, { name: ' Databases ' });
      expect([renamed.statusCode, renamed.headers.location]).toEqual([303, `${TEAMS}#skills`]);
      expect(visibleText(await admin.get(TEAMS))).toContain('Skill renamed to “Databases”.');
      expect((await audits('skill.update')).map((a) => [a.subject, JSON.parse(a.before_json!), JSON.parse(a.after_json!)])).toEqual([[`skill:${sql}`, { name: 'SQL' }, { name: 'Databases' }]]);
      expect((await send(TEAMS, `${TEAMS}skills/999999/`, { name: 'Nope' })).statusCode).toBe(404);
    });

    it('gives an agent teams and skills on its user page; a skill that does not exist is refused by name', async () => {
      const page = `/admin/users/${ana}/`;
      expect((await admin.get(page)).body).toContain('name="skills" value="German"');
      const saved = await send(page, `${page}teams/`, { teams: ['Support', 'Billing'], skills: ['German'] });
      expect(saved.statusCode).toBe(303);
      expect((await admin.get(page)).body).toMatch(/name="skills" value="German" checked/);
      const before = await snapshot();
      const refused = await send(page, `${page}teams/`, { teams: ['Support'], skills: ['German', 'Klingon'] });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toMatch(/id="skills-error" class="field-error">Skills: no skill is named “Klingon”/);
      expect(await snapshot()).toBe(before);
      const [entry] = await audits('user.teams');
      expect([JSON.parse(entry!.before_json!), JSON.parse(entry!.after_json!)]).toEqual([
        { teams: ['Support'], skills: [] },
        { teams: ['Support', 'Billing'], skills: ['German'] },
      ]);
    });

    it('creates a hidden topic with skills, a wait, an address and a default priority; the form and the API refuse it by name', async () => {
      const created = await send(`${TOPICS}new/`, `${TOPICS}new/`, { name: 'VIP', team: 'billing', hidden: 'on', default_priority: 'high', skills: ['German'], skill_after_1: '15', addresses: 'VIP@helpdesk.example' });
      expect([created.statusCode, created.headers.location]).toEqual([303, TOPICS]);
      expect(visibleText(await admin.get(TOPICS))).toMatch(/VIP Billing hidden German \(optional after 15 min\) vip@helpdesk\.example high/);
      const vip = await idOf('topics', 'VIP');
      expect((await admin.get(`${TOPICS}${vip}/`)).body).toMatch(/name="hidden" checked/);
      // Still one topic on the form: no choice shown; naming the hidden one is refused.
      expect((await new Client(t.app).get('/tickets/create/')).body).not.toContain('name="topic"');
      const before = await snapshot();
      const byForm = await new Client(t.app).submit('/tickets/create/', { ...TICKET, topic: String(vip) });
      expect(byForm.statusCode).toBe(400);
      expect(byForm.body).toMatch(/no topic has this name/i);
      // The message stands by a topic field the customer can answer (a form loaded while the topic
      // was offered, sent after it was hidden), though the form shows none while only one is left.
      expect(byForm.body).toMatch(/id="topic-error" class="field-error">Topic: no topic has this name/);
      expect(byForm.body).toMatch(new RegExp(`<select[^>]*name="topic"[^>]*>.*<option value="${await idOf('topics', 'General')}"`));
      const byApi = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, topic: 'vip' } });
      expect([byApi.statusCode, byApi.json().error.fields]).toEqual([400, { topic: expect.stringMatching(/no topic has this name/i) }]);
      expect(await snapshot()).toBe(before);
    });

    it('refuses deleting a team in use (409 saying what uses it) and taking an agent’s last team while it holds tickets; deletes an empty one', async () => {
      await changePresence(t.ctx, ben, 'available');
      await changePresence(t.ctx, ana, 'away');
      const billing = await idOf('teams', 'Billing');
      // A Billing ticket: a topic on the form routing to Billing.
      expect((await send(`${TOPICS}new/`, `${TOPICS}new/`, { name: 'Invoices', team: 'billing' })).statusCode).toBe(303);
      const ticket = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { ...TICKET, topic: 'Invoices' } });
      expect(ticket.json()).toMatchObject({ team: 'Billing', agent: 'ben' });
      // ben leaves Support (allowed: he keeps Billing); Billing is now his last team.
      expect((await send(`/admin/users/${ben}/`, `/admin/users/${ben}/teams/`, { teams: ['Billing'] })).statusCode).toBe(303);
      const before = await snapshot();
      const refused = await send(`${TEAMS}${billing}/`, `${TEAMS}${billing}/delete/`, {});
      // In use: 409, as the API answers and as for a calendar in use, saying everything that uses it.
      expect(refused.statusCode).toBe(409);
      expect(visibleText(refused)).toContain('cannot be deleted: it holds 1 open ticket (close or move it to another team); topics route to it: Invoices, VIP (give them another team); it is the last team of agents holding tickets: ben (1 open ticket)');
      const lastTeam = await send(`/admin/users/${ben}/`, `/admin/users/${ben}/teams/`, { skills: [] });
      expect(lastTeam.statusCode).toBe(400);
      expect(lastTeam.body).toMatch(/id="teams-error" class="field-error">Teams: the agent holds 1 open ticket; an agent keeps at least one team/);
      const fromTeam = await send(`${TEAMS}${billing}/`, `${TEAMS}${billing}/`, { name: 'Billing', members: ['ana'] });
      expect(fromTeam.statusCode).toBe(400);
      expect(fromTeam.body).toMatch(/id="members-error" class="field-error">Members: ben holds 1 open ticket;/);
      expect(await snapshot()).toBe(before);

      expect((await send(`${TEAMS}new/`, `${TEAMS}new/`, { name: 'Empty' })).statusCode).toBe(303);
      const empty = await idOf('teams', 'Empty');
      expect((await send(`${TEAMS}${empty}/`, `${TEAMS}${empty}/delete/`, {})).statusCode).toBe(303);
      expect(await db().selectFrom('teams').select('id').where('id', '=', empty).executeTakeFirst()).toBeUndefined();
      expect((await audits('team.delete')).map((a) => JSON.parse(a.before_json!).name)).toEqual(['Empty']);
      expect([...(await capacityViolations(db())), ...(await historyViolations(db()))]).toEqual([]);
    });

    it("the ticket page's reassign menu lists the ticket's team first, then the others with their teams", async () => {
      await addStaff(t.ctx, 'cal'); // in Support only
      const ticket = (await db().selectFrom('tickets').select('id').where('title', '=', TICKET.title).orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
      const page = (await admin.get(`/admin/tickets/${ticket}/`)).body;
      const menu = /<select id="agent"[\s\S]*?<\/select>/.exec(page)![0];
      const groups = [...menu.matchAll(/<optgroup label="([^"]*)">([\s\S]*?)<\/optgroup>/g)].map((m) => [m[1], [...m[2]!.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)</g)].map((o) => o[2])]);
      expect(groups).toEqual([
        ['In Billing', [expect.stringMatching(/^ana — /), expect.stringMatching(/^ben — /)]],
        ['Other teams', [expect.stringMatching(/^cal — .* · Support$/)]],
      ]);
    });
  });
}
