/**
 * Strict bodies (README, JSON API): every JSON request body refuses a key its route does not know
 * with a 400 naming it (`fields.<key>`: "Unknown field."), and a boolean field takes only a JSON
 * boolean; nothing is written. Each body below is valid but for the one bad key, so the answer
 * names that key alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { berlinOffice } from '../support/calendars.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { type ApiClient, staffWithToken } from './support.js';

const TICKET = { name: 'Dora', email: 'dora@customer.example', title: 'Printer', description: 'It jams.', priority: 'low' };
const TABLES = ['tickets', 'messages', 'calendars', 'calendar_versions', 'teams', 'team_members', 'topics', 'skills', 'agent_skills', 'webhook_endpoints', 'settings'] as const;

for (const dialect of DIALECTS) {
  describe(`strict request bodies (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let agent: ApiClient;
    let reference: string;
    let calendarId: number;
    let teamId: number;
    let webhookId: number;
    const db = () => t.ctx.handle.db;
    const everything = async () => {
      const rows = await Promise.all(TABLES.map((table) => db().selectFrom(table).selectAll().execute()));
      const presence = await db().selectFrom('users').select(['id', 'presence']).orderBy('id').execute();
      return { rows, presence };
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      agent = (await staffWithToken(t.app, t.ctx, 'ana')).api;
      const anonymous = new (admin.constructor as typeof ApiClient)(t.app);
      reference = (await anonymous.post('/api/v1/tickets', TICKET)).body.reference;
      calendarId = (await admin.post('/api/v1/calendars', berlinOffice('Kept'))).body.id;
      teamId = (await admin.post('/api/v1/teams', { name: 'Billing' })).body.id;
      webhookId = (await admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/in', events: ['ticket.created'] })).body.id;
      expect([reference, calendarId, teamId, webhookId].every((value) => value !== undefined)).toBe(true);
    });
    afterAll(() => t.close());

    const cases: [string, (client: { admin: ApiClient; agent: ApiClient; anonymous: ApiClient }) => Promise<{ status: number; body: any }>][] = [
      ['POST /api/v1/tickets', ({ anonymous }) => anonymous.post('/api/v1/tickets', { ...TICKET, surprise: 1 })],
      ['POST /api/v1/tickets/{reference}/assign', ({ admin }) => admin.post(`/api/v1/tickets/${reference}/assign`, { agent: null, surprise: 1 })],
      ['POST /api/v1/tickets/{reference}/messages', ({ admin }) => admin.post(`/api/v1/tickets/${reference}/messages`, { kind: 'note', body: 'A note', surprise: 1 })],
      ['PUT /api/v1/agents/me/presence', ({ agent }) => agent.put('/api/v1/agents/me/presence', { status: 'available', surprise: 1 })],
      ['POST /api/v1/calendars', ({ admin }) => admin.post('/api/v1/calendars', { ...berlinOffice('New'), surprise: 1 })],
      ['PUT /api/v1/calendars/{id}', ({ admin }) => admin.put(`/api/v1/calendars/${calendarId}`, { ...berlinOffice('Renamed'), surprise: 1 })],
      ['POST /api/v1/teams', ({ admin }) => admin.post('/api/v1/teams', { name: 'Sales', surprise: 1 })],
      ['PUT /api/v1/teams/{id}', ({ admin }) => admin.put(`/api/v1/teams/${teamId}`, { name: 'Accounts', surprise: 1 })],
      ['POST /api/v1/topics', ({ admin }) => admin.post('/api/v1/topics', { name: 'Invoices', team: 'Billing', surprise: 1 })],
      ['POST /api/v1/skills', ({ admin }) => admin.post('/api/v1/skills', { name: 'German', surprise: 1 })],
      ['PUT /api/v1/agents/{username}/teams', ({ admin }) => admin.put('/api/v1/agents/ana/teams', { teams: ['Billing'], surprise: 1 })],
      ['POST /api/v1/webhooks', ({ admin }) => admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/other', events: ['ticket.closed'], surprise: 1 })],
      ['PUT /api/v1/webhooks/{id}', ({ admin }) => admin.put(`/api/v1/webhooks/${webhookId}`, { url: 'https://hooks.example.com/moved', events: ['ticket.closed'], surprise: 1 })],
      ['PATCH /api/v1/settings', ({ admin }) => admin.patch('/api/v1/settings', { default_capacity: 7, surprise: 1 })],
      ['POST /api/v1/forecast', ({ admin }) => admin.post('/api/v1/forecast', { from: '2026-01-01', to: '2026-01-02', surprise: 1 })],
      // Routes that take no body refuse one with keys too: `{"notify": false}` on a close must not
      // pass as if it kept the customer's email from going.
      ['POST /api/v1/tickets/{reference}/close', ({ admin }) => admin.post(`/api/v1/tickets/${reference}/close`, { surprise: 1 })],
      ['POST /api/v1/webhooks/{id}/secret', ({ admin }) => admin.post(`/api/v1/webhooks/${webhookId}/secret`, { surprise: 1 })],
      ['POST /api/v1/agents/{username}/two-factor/reset', ({ admin }) => admin.post('/api/v1/agents/ana/two-factor/reset', { surprise: 1 })],
      ['DELETE /api/v1/calendars/{id}', ({ admin }) => admin.request('DELETE', `/api/v1/calendars/${calendarId}`, { surprise: 1 })],
    ];
    // The pages' checkbox values ("on", "true") are for HTML forms; through the API they are refused.
    const booleans: [string, (client: { admin: ApiClient }) => Promise<{ status: number; body: any }>, string][] = [
      ['POST /api/v1/webhooks active "true"', ({ admin }) => admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/b', events: ['ticket.closed'], active: 'true' }), 'active'],
      ['PUT /api/v1/webhooks/{id} active 0', ({ admin }) => admin.put(`/api/v1/webhooks/${webhookId}`, { url: 'https://hooks.example.com/in', events: ['ticket.created'], active: 0 }), 'active'],
      ['POST /api/v1/topics hidden "on"', ({ admin }) => admin.post('/api/v1/topics', { name: 'Secret', team: 'Billing', hidden: 'on' }), 'hidden'],
      ['POST /api/v1/calendars yearly "yes"', ({ admin }) => admin.post('/api/v1/calendars', { ...berlinOffice('Yearly'), holidays: [{ from: '2026-01-01', yearly: 'yes' }] }), 'holidays.0.yearly'],
      ['POST /api/v1/tickets/{reference}/messages close "true"', ({ admin }) => admin.post(`/api/v1/tickets/${reference}/messages`, { kind: 'reply', body: 'Done', close: 'true' }), 'close'],
    ];
    for (const [route, send, field] of booleans) {
      it(`${route} is refused, naming ${field}, and writes nothing`, async () => {
        const before = await everything();
        const response = await send({ admin });
        expect(response.status).toBe(400);
        expect(Object.keys(response.body.error.fields)).toEqual([field]);
        expect(response.body.error.fields[field]).toMatch(/true or false/i);
        expect(await everything()).toEqual(before);
      });
    }

    // `__proto__` and `constructor` are valid JSON keys: refused as unknown fields, never as "not
    // valid JSON", and never reaching anything (nor Object.prototype). Sent as raw text, as a client would.
    const raw = (client: ApiClient, method: 'POST' | 'PATCH', url: string, json: string) => client.request(method, url, json, { 'content-type': 'application/json' });
    // The expected `fields`, built so that `__proto__` is an own key: in an object literal
    // `{ __proto__: … }` sets the prototype instead, and the expectation was `{}`, which an answer
    // naming nothing passed.
    const unknown = (...paths: string[]): Record<string, string> => Object.fromEntries(paths.map((path) => [path, 'Unknown field.']));
    const prototypeKeys: [string, (client: { admin: ApiClient; anonymous: ApiClient }) => Promise<{ status: number; body: any }>, Record<string, string>][] = [
      ['POST /api/v1/tickets with __proto__', ({ anonymous }) => raw(anonymous, 'POST', '/api/v1/tickets', `${JSON.stringify(TICKET).slice(0, -1)}, "__proto__": {"admin": true}}`), unknown('__proto__')],
      ['POST /api/v1/tickets with constructor.prototype', ({ anonymous }) => raw(anonymous, 'POST', '/api/v1/tickets', `${JSON.stringify(TICKET).slice(0, -1)}, "constructor": {"prototype": {"admin": true}}}`), { constructor: 'Unknown field.' }],
      ['POST /api/v1/tickets with toString', ({ anonymous }) => raw(anonymous, 'POST', '/api/v1/tickets', `${JSON.stringify(TICKET).slice(0, -1)}, "toString": 1}`), { toString: 'Unknown field.' }],
      ['POST /api/v1/calendars with holidays.0.__proto__', ({ admin }) => raw(admin, 'POST', '/api/v1/calendars', JSON.stringify({ ...berlinOffice('Proto'), holidays: [{ from: '2026-01-01' }] }).replace('"from"', '"__proto__": {"admin": true}, "from"')), { 'holidays.0.__proto__': 'Unknown field.' }],
      ['PATCH /api/v1/settings with __proto__ twice', ({ admin }) => raw(admin, 'PATCH', '/api/v1/settings', '{"default_capacity": 7, "sla": {"high": {"__proto__": null}}, "__proto__": 1}'), unknown('__proto__', 'sla.high.__proto__')],
    ];
    for (const [route, send, fields] of prototypeKeys) {
      it(`${route} is refused as an unknown field, and writes nothing`, async () => {
        const before = await everything();
        const response = await send({ admin, anonymous: new (admin.constructor as typeof ApiClient)(t.app) });
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('invalid_input');
        expect(response.body.error.fields).toEqual(fields);
        expect(Object.keys(response.body.error.fields).sort()).toEqual(Object.keys(fields).sort());
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
        expect(await everything()).toEqual(before);
      });
    }

    it('a route that takes no body still takes none, or an empty object', async () => {
      const other = (await new (admin.constructor as typeof ApiClient)(t.app).post('/api/v1/tickets', TICKET)).body.reference;
      expect((await admin.post(`/api/v1/webhooks/${webhookId}/secret`)).status).toBe(200);
      expect((await admin.post(`/api/v1/webhooks/${webhookId}/secret`, {})).status).toBe(200);
      const closed = await admin.post(`/api/v1/tickets/${other}/close`, {});
      expect(closed.status).toBe(200);
      expect(closed.body.status).toBe('closed');
    });

    for (const [route, send] of cases) {
      it(`${route} refuses it, naming it, and writes nothing`, async () => {
        const before = await everything();
        const response = await send({ admin, agent, anonymous: new (admin.constructor as typeof ApiClient)(t.app) });
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('invalid_input');
        expect(response.body.error.fields).toEqual({ surprise: 'Unknown field.' });
        expect(await everything()).toEqual(before);
      });
    }
  });
}
