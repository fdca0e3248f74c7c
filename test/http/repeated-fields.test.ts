/**
 * A single-valued form field sent more than once (`capacity=2&capacity=3`) is refused with a 400
 * naming it, and nothing is written — on every form of the admin, agent and customer pages, as
 * the page shows it plus one field doubled. Fields that are lists by design (a group of boxes, the
 * settings' pause box with its hidden "off") still arrive as lists: the same forms as shown, boxes
 * ticked, save. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { pageForm } from '../support/pageForm.js';
import { adminClient, newTicket, visibleText } from '../admin/support.js';

interface Row {
  name: string;
  /** The page the form is on, and where it posts (default: the page). */
  page: () => string;
  action?: () => string;
  /** Fields to fill so that the form, sent once each, would be accepted. */
  fill?: Record<string, string>;
  /** The field sent twice, and its second value. */
  field: string;
  second: string;
  /** Who sends it (default the admin). */
  customer?: boolean;
}

const TABLES = ['settings', 'teams', 'team_members', 'skills', 'agent_skills', 'topics', 'topic_skills', 'topic_addresses', 'tickets', 'messages', 'calendars', 'canned_replies', 'webhook_endpoints', 'audit_log', 'api_tokens'] as const;

for (const dialect of DIALECTS) {
  describe(`form fields sent twice (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let ana: number;
    let ticket: number;
    const db = () => t.ctx.handle.db;
    const snapshot = async () =>
      JSON.stringify([
        await Promise.all(TABLES.map((x) => db().selectFrom(x as 'settings').selectAll().execute())),
        await db().selectFrom('users').select(['id', 'username', 'display_name', 'email', 'capacity', 'role', 'active']).orderBy('id').execute(),
      ]);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      ana = await addStaff(t.ctx, 'ana', { capacity: 2 });
      await addStaff(t.ctx, 'ben', { capacity: 2 });
      admin = (await adminClient(t)).client;
      // A second topic, so the customer form offers the choice.
      const made = await admin.post('/adminapp/topics/new/', { ...pageForm((await admin.get('/adminapp/topics/new/')).body, '/adminapp/topics/new/'), name: 'Refunds', team: 'support' });
      expect(made.statusCode).toBe(303);
      ticket = await newTicket(t.ctx, { title: 'Printer on fire' });
    });
    afterAll(() => t.close());

    const topicIds = async () => (await db().selectFrom('topics').select('id').orderBy('id').execute()).map((r) => String(r.id));

    const rows: Row[] = [
      { name: 'settings: default capacity', page: () => '/adminapp/settings/', field: 'default_capacity', second: '3' },
      { name: 'settings: queue order', page: () => '/adminapp/settings/', field: 'queue_order', second: 'deadline' },
      { name: 'register: capacity', page: () => '/adminapp/register/', fill: { username: 'zed', display_name: 'Zed', email: 'zed@team.test', password: 'correct horse', role: 'agent', capacity: '2' }, field: 'capacity', second: '3' },
      { name: 'a user’s capacity', page: () => `/admin/users/${ana}/`, action: () => `/admin/users/${ana}/capacity/`, fill: { capacity: '2' }, field: 'capacity', second: '3' },
      { name: 'a user’s profile', page: () => `/admin/users/${ana}/`, action: () => `/admin/users/${ana}/profile/`, field: 'display_name', second: 'Other' },
      { name: 'a user’s teams and skills: what it showed', page: () => `/admin/users/${ana}/`, action: () => `/admin/users/${ana}/teams/`, field: '_shown', second: '{}' },
      { name: 'new team: name', page: () => '/adminapp/teams/new/', fill: { name: 'Sales' }, field: 'name', second: 'Ops' },
      { name: 'new skill: name', page: () => '/adminapp/teams/', action: () => '/adminapp/teams/skills/', fill: { name: 'German' }, field: 'name', second: 'French' },
      { name: 'new topic: team', page: () => '/adminapp/topics/new/', fill: { name: 'Invoices', team: 'support' }, field: 'team', second: 'support' },
      { name: 'new calendar: time zone', page: () => '/adminapp/calendars/new/', fill: { name: 'Berlin', time_zone: 'Europe/Berlin' }, field: 'time_zone', second: 'Europe/Paris' },
      { name: 'new canned reply: name', page: () => '/adminapp/replies/', fill: { name: 'Thanks', body: 'Thank you.' }, field: 'name', second: 'Bye' },
      { name: 'new webhook endpoint: URL', page: () => '/adminapp/webhooks/new/', fill: { url: 'https://hooks.example/a', events: '*' }, field: 'url', second: 'https://hooks.example/b' },
      { name: 'reassign a ticket: agent', page: () => `/admin/tickets/${ticket}/`, action: () => `/admin/tickets/${ticket}/reassign/`, fill: {}, field: 'agent', second: 'ben' },
      { name: 'my account: display name', page: () => '/agents/account/', field: 'display_name', second: 'Other' },
      { name: 'customer form: topic', customer: true, page: () => '/tickets/create/', fill: { name: 'Carla', email: 'carla@example.com', title: 'Help', description: 'Please' }, field: 'topic', second: 'topic-2' },
    ];

    for (const row of rows) {
      it(`${row.name}: 400 naming “${row.field}”, nothing written`, async () => {
        const client = row.customer ? new Client(t.app) : admin;
        const action = (row.action ?? row.page)();
        const shown = pageForm((await client.get(row.page())).body, action);
        const fields: Record<string, string | string[]> = { ...shown, ...row.fill };
        const first = fields[row.field];
        expect(typeof first, `${row.field} is on the form once`).toBe('string');
        const second = row.second === 'topic-2' ? (await topicIds())[1]! : row.second;
        fields[row.field] = [first as string, second];
        const before = await snapshot();
        const response = await client.post(action, fields);
        expect(response.statusCode, visibleText(response).slice(0, 300)).toBe(400);
        expect(visibleText(response)).toContain(`“${row.field}” more than once`);
        expect(await snapshot()).toBe(before);
      });
    }

    it('the same forms with boxes ticked (lists by design) still save', async () => {
      const team = await admin.post('/adminapp/teams/new/', { ...pageForm((await admin.get('/adminapp/teams/new/')).body, '/adminapp/teams/new/'), name: 'Sales', members: ['ana', 'ben'] });
      expect(team.statusCode, visibleText(team).slice(0, 300)).toBe(303);
      const members = await db().selectFrom('team_members').innerJoin('teams', 'teams.id', 'team_members.team_id').innerJoin('users', 'users.id', 'team_members.user_id').select('users.username').where('teams.name', '=', 'Sales').orderBy('users.username').execute();
      expect(members.map((m) => m.username)).toEqual(['ana', 'ben']);

      const settingsForm = pageForm((await admin.get('/adminapp/settings/')).body, '/adminapp/settings/');
      const settings = await admin.post('/adminapp/settings/', { ...settingsForm, pause_while_waiting: ['off', 'on'] });
      expect(settings.statusCode, visibleText(settings).slice(0, 300)).toBe(303);
      expect((await db().selectFrom('settings').select('pause_while_waiting').executeTakeFirstOrThrow()).pause_while_waiting).toBe(1);

      const hook = await admin.post('/adminapp/webhooks/new/', { ...pageForm((await admin.get('/adminapp/webhooks/new/')).body, '/adminapp/webhooks/new/'), url: 'https://hooks.example/x', events: ['ticket.created', 'ticket.closed'] });
      expect(hook.statusCode, visibleText(hook).slice(0, 300)).toBe(200);
      expect(await db().selectFrom('webhook_endpoints').select('url').execute()).toEqual([{ url: 'https://hooks.example/x' }]);

      const userForm = pageForm((await admin.get(`/admin/users/${ana}/`)).body, `/admin/users/${ana}/teams/`);
      const teams = await admin.post(`/admin/users/${ana}/teams/`, { ...userForm, teams: ['Support', 'Sales'] });
      expect(teams.statusCode, visibleText(teams).slice(0, 300)).toBe(303);

      const topicForm = pageForm((await admin.get('/adminapp/topics/new/')).body, '/adminapp/topics/new/');
      const topic = await admin.post('/adminapp/topics/new/', { ...topicForm, name: 'Orders', team: 'sales', skills: [] });
      expect(topic.statusCode, visibleText(topic).slice(0, 300)).toBe(303);
    });
  });
}
