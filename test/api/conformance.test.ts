/**
 * Every answer of the JSON API matches its own OpenAPI document (§8), on both engines: each route
 * is driven with good input (each must answer a 2xx at least once, so a new route nobody drives
 * here fails) and with what integrations really send wrong: no token, a bad one, an inbound-only
 * one, another role's, every query parameter repeated, padded, huge or unknown, bodies of another
 * type, empty, not an object, too large or with an unknown field, and path ids that are junk or
 * nobody's. Each answer must be a status the operation documents, with a content type and a body
 * (types, required keys, nullability, enums, date-time formats) that status documents; every 400
 * names the offending field, in words (never zod's own); nothing answers 5xx. Requests the API
 * accepts must also be ones the document allows (a client generated from it can send them).
 *
 * The tests run in order: the probes use the ticket, webhook and delivery the first one made.
 * About 20 s per engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeAttachments } from '../../src/repositories/attachments.js';
import { createApiToken } from '../../src/services/tokens.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { DEFAULT_RATE_LIMITS } from '../../src/http/rateLimits.js';
import { type Answer, conformanceChecker } from './conformance.js';
import { staffWithToken, validTicket } from './support.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Call {
  token?: string | null;
  body?: unknown;
  /** A body sent as these bytes, with `type` as its content type. */
  raw?: string;
  type?: string;
  query?: string;
  /** A 400 must name this field among its `fields` (the parameter or key that was wrong). */
  names?: string;
  /** The operation's path template, when `path` is a literal address. */
  as?: string;
}

/** zod's default messages, none of which may reach a 400's fields. */
const ZOD_WORDS = /invalid input|too (small|big):|invalid (string|option|enum|format|union|key|element)|expected .+, received|nonoptional/i;

const MAIL = ['From: Dora <dora@customer.example>', 'To: support@helpdesk.test', 'Subject: Printer', 'Message-ID: <conf-1@customer.example>', '', 'It jams.', ''].join('\r\n');

for (const dialect of DIALECTS) {
  describe(`the API answers as its OpenAPI document says (${dialect})`, () => {
    let t: TestApp;
    let document: any;
    let checker: ReturnType<typeof conformanceChecker>;
    const problemsOf = (answer: Answer) => checker.problemsOf(answer);
    const tokens: Record<'admin' | 'agent' | 'other' | 'inbound', string> = { admin: '', agent: '', other: '', inbound: '' };
    /** A real value for each path parameter of the document. */
    const ids: Record<string, string> = { username: 'ana' };
    const problems: string[] = [];
    const succeeded = new Set<string>();
    /** The last answer of each operation, to say why one never succeeded. */
    const last = new Map<string, string>();

    /** Sends one request to the operation `method path` (its path filled from `values`), and checks the answer. */
    async function call(method: Method, path: string, values: Record<string, string>, { token = tokens.admin, body, raw, type, query = '', names, as }: Call = {}) {
      const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ids[name] ?? '')) + query;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(type ? { 'content-type': type } : {}) };
      const response = await t.app.inject({ method, url, headers, ...(raw !== undefined ? { payload: raw } : body !== undefined ? { payload: body as object } : {}) });
      const answer = { method, path: as ?? path, response };
      const found = problemsOf(answer);
      const what = `${method} ${url.length > 120 ? `${url.slice(0, 120)}…` : url}${raw !== undefined ? ` [${type} ${raw.length} bytes]` : body !== undefined ? ` ${JSON.stringify(body).slice(0, 80)}` : ''}`;
      problems.push(...found.map((p) => `${p} (${what})`));
      if (response.statusCode >= 500) problems.push(`${what}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      if (response.statusCode === 400) {
        const fields = (JSON.parse(response.body) as { error?: { fields?: Record<string, string> } }).error?.fields;
        if (!fields || Object.keys(fields).length === 0) problems.push(`${what}: 400 naming no field: ${response.body.slice(0, 200)}`);
        else if (names !== undefined && !(names in fields)) problems.push(`${what}: 400 not naming ${names}: ${response.body.slice(0, 200)}`);
        // The schema library's own words tell a person nothing ("expected nonoptional"): each field says it plainly.
        for (const [field, message] of Object.entries(fields ?? {})) if (ZOD_WORDS.test(message)) problems.push(`${what}: ${field}: “${message}”`);
      }
      if (response.statusCode < 300) {
        succeeded.add(`${method} ${path}`);
        problems.push(...checker.requestProblemsOf({ method, path, query, body: raw === undefined ? body : undefined }).map((p) => `${p} (${what})`));
      }
      last.set(`${method} ${path}`, `${response.statusCode} ${response.body.slice(0, 300)}`);
      return response;
    }

    const operations = () =>
      Object.entries<Record<string, any>>(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase() as Method, path, op })));

    beforeAll(async () => {
      t = await startTestApp(dialect);
      document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      checker = conformanceChecker(document);
      const root = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      tokens.admin = root.token;
      tokens.agent = (await staffWithToken(t.app, t.ctx, 'ana')).token;
      tokens.other = (await staffWithToken(t.app, t.ctx, 'bo')).token;
      tokens.inbound = (await createApiToken(t.ctx, root.id, 'mail', 'inbound')).token;
    });
    afterAll(() => t.close());

    it('answers good requests as documented, each route at least once with a 2xx', { timeout: 120_000 }, async () => {
      const hook = (await call('POST', '/api/v1/webhooks', {}, { body: { url: 'https://hooks.example.com/in', events: ['ticket.created', 'message.created'] } })).json();
      ids.id = String(hook.id);
      const created = (await call('POST', '/api/v1/tickets', {}, { token: null, body: validTicket })).json();
      ids.reference = created.reference;
      const ticketId = Number(String(created.reference).replace(/\D/g, ''));
      const note = (await call('POST', '/api/v1/tickets/{reference}/messages', {}, { body: { kind: 'note', body: 'Looked at it.' } })).json();
      const [file] = await storeAttachments(t.ctx.handle.db, note.id, ticketId, [{ filename: 'log.txt', contentType: 'text/plain', content: Buffer.from('log') }], Date.now());
      await call('POST', '/api/v1/tickets/{reference}/messages', {}, { body: { kind: 'reply', body: 'On it.', seen: note.id } });
      await call('GET', '/api/v1/attachments/{id}', { id: String(file!.id) });
      await call('GET', '/api/v1/tickets/{reference}/messages', {}, { query: '?limit=1' });
      await call('GET', '/api/v1/tickets', {}, { query: '?limit=1' });
      await call('GET', '/api/v1/tickets', {}, { token: tokens.agent, query: '?state=pending&priority=MEDIUM&breached=false' });
      await call('GET', '/api/v1/tickets', {}, { query: '?q=printer' });
      await call('GET', '/api/v1/tickets/export', {}, { query: '?status=open' });
      await call('GET', '/api/v1/tickets/{reference}', {});
      await call('POST', '/api/v1/tickets/{reference}/assign', {}, { body: { agent: 'ana' } });
      await call('POST', '/api/v1/tickets/{reference}/assign', {}, { body: { agent: null } });
      await call('GET', '/api/v1/agents', {}, { query: '?limit=2' });
      await call('PUT', '/api/v1/agents/me/presence', {}, { token: tokens.agent, body: { status: 'available' } });
      await call('GET', '/api/v1/stats', {}, { query: '?window=7d' });
      await call('POST', '/api/v1/inbound/email', {}, { token: tokens.inbound, raw: MAIL, type: 'message/rfc822' });

      const calendar = (await call('POST', '/api/v1/calendars', {}, { body: { name: 'Office', time_zone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']] }, holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }] } })).json();
      const calendarIds = { id: String(calendar.id) };
      await call('GET', '/api/v1/calendars', {});
      await call('GET', '/api/v1/calendars/{id}', calendarIds);
      await call('PUT', '/api/v1/calendars/{id}', calendarIds, { body: { name: 'Office hours', time_zone: 'UTC', hours: { tue: [['08:00', '12:00']] } } });
      await call('GET', '/api/v1/settings', {});
      await call('PATCH', '/api/v1/settings', {}, { body: { default_capacity: 4, sla: { high: { first_response: '30s' } } } });

      const skill = (await call('POST', '/api/v1/skills', {}, { body: { name: 'German' } })).json();
      await call('GET', '/api/v1/skills', {});
      await call('PUT', '/api/v1/skills/{id}', { id: String(skill.id) }, { body: { name: 'Deutsch' } });
      const team = (await call('POST', '/api/v1/teams', {}, { body: { name: 'Billing', members: ['ana'] } })).json();
      await call('GET', '/api/v1/teams', {});
      await call('PUT', '/api/v1/teams/{id}', { id: String(team.id) }, { body: { name: 'Invoices', members: ['ana', 'bo'] } });
      const topic = (await call('POST', '/api/v1/topics', {}, { body: { name: 'Bills', team: 'Invoices', skills: ['Deutsch'] } })).json();
      await call('GET', '/api/v1/topics', {});
      await call('PUT', '/api/v1/topics/{id}', { id: String(topic.id) }, { body: { name: 'Invoices', team: 'Invoices' } });
      await call('PUT', '/api/v1/agents/{username}/teams', { username: 'ana' }, { body: { teams: ['Invoices'], skills: ['Deutsch'] } });
      await call('POST', '/api/v1/agents/{username}/two-factor/reset', { username: 'ana' });

      await call('GET', '/api/v1/webhooks', {});
      await call('GET', '/api/v1/webhooks/{id}', {});
      await call('PUT', '/api/v1/webhooks/{id}', {}, { body: { url: 'https://hooks.example.com/other', events: ['ticket.closed'], active: true } });
      await call('POST', '/api/v1/webhooks/{id}/secret', {});
      // A failed delivery of the ticket's event, as the worker's lane logs one (it cannot reach the host here).
      const db = t.ctx.handle.db;
      const event = await db.selectFrom('webhook_events').selectAll().orderBy('id').executeTakeFirstOrThrow();
      const failed = { endpoint_id: hook.id, event_id: event.id, event: event.event, message_id: event.message_id, ticket_id: event.ticket_id, attempts: 1, next_attempt_at: 0, created_at: event.created_at };
      const delivery = await db.insertInto('webhook_deliveries').values({ ...failed, status: 'failed', response_status: 500, last_error: 'HTTP 500' }).returning('id').executeTakeFirstOrThrow();
      ids.delivery = String(delivery.id);
      await call('GET', '/api/v1/webhooks/{id}/deliveries', {}, { query: '?limit=1' });
      await call('POST', '/api/v1/webhooks/{id}/deliveries/{delivery}/retry', {});
      await call('GET', '/api/v1/audit', {}, { query: '?limit=3' });
      await call('POST', '/api/v1/tickets/{reference}/assign', {}, { body: { agent: 'ana' } });
      await call('POST', '/api/v1/tickets/{reference}/close', {}, { token: tokens.agent });
      await call('POST', '/api/v1/forecast', {}, { body: { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() } });

      // What else the API takes, each of which the document must allow too.
      const accepts = async (...args: Parameters<typeof call>) => expect((await call(...args)).statusCode, `${args[0]} ${args[1]}`).toBeLessThan(300);
      await accepts('POST', '/api/v1/tickets', {}, { token: null, body: { ...validTicket, priority: 'HIGH', topic: 'invoices' } });
      await accepts('POST', '/api/v1/tickets', {}, { token: null, body: { ...validTicket, topic: String(topic.id) } });
      await accepts('POST', '/api/v1/tickets', {}, { token: null, body: { ...validTicket, topic: topic.id } });
      await accepts('POST', '/api/v1/tickets', {}, { token: null, body: { ...validTicket, topic: null } });
      await accepts('PUT', '/api/v1/webhooks/{id}', {}, { body: { url: 'https://hooks.example.com/all', events: '*' } });
      await accepts('PATCH', '/api/v1/settings', {}, { body: { calendar: '24/7', sla: { high: { first_response: null, next_reply: null } }, warn_at_percent: 80, pause_while_waiting: true } });
      await accepts('PUT', '/api/v1/teams/{id}', { id: String(team.id) }, { body: { name: 'Invoices', calendar: '24/7', sla: { high: { resolution: '1h' }, medium: { resolution: '4h' }, low: { resolution: '1d' } }, queue_order: 'deadline', overflow_team: 'Support', overflow_after_minutes: 30 } });
      await accepts('POST', '/api/v1/tickets/{reference}/messages', {}, { body: { kind: 'note', body: 'Seen nothing.', seen: null, close: false } });
      await accepts('GET', '/api/v1/stats', {}, { query: '?window=ALL&team=invoices' });
      await accepts('GET', '/api/v1/tickets', {}, { query: '?agent=&team=&q=&breached=TRUE' });
      await accepts('GET', '/api/v1/audit', {}, { query: '?action=user&from=2026-01-01&to=2030-12-31&actor=root' });
      await call('DELETE', '/api/v1/topics/{id}', { id: String(topic.id) });
      const empty = (await call('POST', '/api/v1/teams', {}, { body: { name: 'Empty' } })).json();
      await call('DELETE', '/api/v1/teams/{id}', { id: String(empty.id) });
      await call('DELETE', '/api/v1/skills/{id}', { id: String(skill.id) });
      await call('DELETE', '/api/v1/calendars/{id}', calendarIds);
      const gone = (await call('POST', '/api/v1/webhooks', {}, { body: { url: 'https://hooks.example.com/gone', events: ['ticket.closed'] } })).json();
      await call('DELETE', '/api/v1/webhooks/{id}', { id: String(gone.id) });

      const missed = operations()
        .map(({ method, path }) => `${method} ${path}`)
        .filter((operation) => !succeeded.has(operation))
        .map((operation) => `${operation}: ${last.get(operation) ?? 'never called'}`);
      expect({ missed, problems }).toEqual({ missed: [], problems: [] });
    });

    it('answers who may not, and bad query strings, bodies and path ids, as documented', { timeout: 300_000 }, async () => {
      problems.length = 0;
      const huge = '9'.repeat(40);
      for (const { method, path, op } of operations()) {
        const staff = op.security !== undefined;
        // Who: nobody, a token nobody has, the inbound-mail token, each staff role.
        for (const token of [null, 'hd_not-a-real-token-0000000000000000', tokens.inbound, tokens.agent, tokens.other]) {
          if (!staff && token !== tokens.inbound) continue;
          await call(method, path, {}, { token, ...(method === 'GET' ? {} : { body: {} }) });
        }
        // Query strings: unknown parameters, and each parameter repeated, padded, huge, empty.
        const queryNames = (op.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
        const bodyless = method === 'GET' ? {} : { body: {} };
        // A route that takes no query parameters ignores them (README, JSON API: strict query strings).
        await call(method, path, {}, { ...bodyless, query: '?bogus=1', ...(queryNames.length > 0 ? { names: 'bogus' } : {}) });
        for (const name of queryNames) {
          for (const value of [`${name}=1&${name}=2`, `${name}=%20open%20`, `${name}=${huge}`, `${name}=`, `${name}=${'x'.repeat(5000)}`, `${name}=%00`]) {
            await call(method, path, {}, { ...bodyless, query: `?${value}`, names: name });
          }
        }
        // Path ids: junk, nobody's, padded, huge.
        for (const name of path.match(/\{(\w+)\}/g)?.map((m) => m.slice(1, -1)) ?? []) {
          for (const value of ['abc', '999999', ' 1', huge, '-1', '1.5']) await call(method, path, { [name]: value }, bodyless);
          // A broken %-escape (sent as is): the router cannot read the address.
          await call(method, path.replace(`{${name}}`, '%E0%A4%A'), {}, { ...bodyless, as: path, names: 'path' });
        }
        if (method === 'GET') continue;
        // Bodies: another type, none, empty JSON, not an object, too large, an unknown field.
        const type = op.requestBody ? Object.keys(op.requestBody.content)[0]! : 'application/json';
        const token = path === '/api/v1/agents/me/presence' ? tokens.agent : path === '/api/v1/inbound/email' ? tokens.inbound : tokens.admin;
        await call(method, path, {}, { token, raw: 'hello', type: 'text/plain' });
        await call(method, path, {}, { token, raw: '', type });
        await call(method, path, {}, { token, raw: '', type: 'application/json' });
        await call(method, path, {}, { token, raw: '[1]', type: 'application/json' });
        await call(method, path, {}, { token, raw: '"text"', type: 'application/json' });
        await call(method, path, {}, { token, raw: 'null', type: 'application/json' });
        await call(method, path, {}, { token, raw: '{"name": 1e999, "limit": -0}', type: 'application/json' });
        await call(method, path, {}, { token, raw: '\uFEFF{}', type: 'application/json' });
        await call(method, path, {}, { token, raw: '{}', type: 'application/json; charset=latin1' });
        await call(method, path, {}, { token, raw: '{}', type: 'APPLICATION/JSON; charset=UTF-8' });
        await call(method, path, {}, { token, raw: '{}', type: 'application/merge-patch+json' });
        await call(method, path, {}, { token, raw: '{"broken": ', type: 'application/json', names: 'body' });
        await call(method, path, {}, { token, raw: JSON.stringify({ text: 'x'.repeat(300 * 1024) }), type: 'application/json' });
        await call(method, path, {}, { token, body: { bogus: 1 }, names: 'bogus' });
        await call(method, path, {}, { token, body: { bogus: 1, name: ' ', url: 7, kind: 'reply', agent: 5, status: 'gone', teams: 'x' } });
      }
      expect(problems).toEqual([]);
    });

    it('answers conflicts and refusals of each route’s own rules as documented', { timeout: 120_000 }, async () => {
      problems.length = 0;
      const statuses: number[] = [];
      const send = async (...args: Parameters<typeof call>) => statuses.push((await call(...args)).statusCode);
      const ticket = (await call('POST', '/api/v1/tickets', {}, { token: null, body: { ...validTicket, title: 'Conflicts' } })).json();
      const ref = { reference: ticket.reference };
      const first = (await call('GET', '/api/v1/tickets/{reference}/messages', ref)).json().items[0];
      await send('POST', '/api/v1/tickets/{reference}/messages', ref, { body: { kind: 'reply', body: 'First answer.' } });
      // A reply written after reading only the customer's message: a newer public one exists (409 stale).
      await send('POST', '/api/v1/tickets/{reference}/messages', ref, { body: { kind: 'reply', body: 'Second answer.', seen: first.id } });
      // A `seen` beyond the thread (400 naming it).
      await send('POST', '/api/v1/tickets/{reference}/messages', ref, { body: { kind: 'reply', body: 'Third.', seen: 2_000_000_000 }, names: 'seen' });
      // Another agent's reply on a ticket it does not hold (403, or 404 when it cannot see it).
      await send('POST', '/api/v1/tickets/{reference}/messages', ref, { token: tokens.other, body: { kind: 'reply', body: 'Mine now.' } });
      await send('POST', '/api/v1/tickets/{reference}/close', ref, { token: tokens.other });
      await send('POST', '/api/v1/tickets/{reference}/assign', ref, { body: { agent: 'nobody' }, names: 'agent' });
      await send('POST', '/api/v1/tickets/{reference}/close', ref);
      // A closed ticket: no reply (409 conflict), no assignment (409), closing again answers it as it is.
      await send('POST', '/api/v1/tickets/{reference}/messages', ref, { body: { kind: 'reply', body: 'Too late.' } });
      await send('POST', '/api/v1/tickets/{reference}/assign', ref, { body: { agent: 'ana' } });
      await send('POST', '/api/v1/tickets/{reference}/close', ref);
      // In use: the SLA calendar, a team with a topic, a skill a topic needs (409).
      const calendar = (await call('POST', '/api/v1/calendars', {}, { body: { name: 'Used', time_zone: 'UTC', hours: { mon: [['09:00', '17:00']] } } })).json();
      await send('PATCH', '/api/v1/settings', {}, { body: { calendar: calendar.id } });
      await send('DELETE', '/api/v1/calendars/{id}', { id: String(calendar.id) });
      await send('POST', '/api/v1/calendars', {}, { body: { name: 'used', time_zone: 'UTC', hours: {} }, names: 'name' });
      const skill = (await call('POST', '/api/v1/skills', {}, { body: { name: 'French' } })).json();
      const team = (await call('POST', '/api/v1/teams', {}, { body: { name: 'Paris' } })).json();
      await send('POST', '/api/v1/topics', {}, { body: { name: 'Factures', team: 'Paris', skills: ['French'] } });
      await send('DELETE', '/api/v1/teams/{id}', { id: String(team.id) });
      await send('DELETE', '/api/v1/skills/{id}', { id: String(skill.id) });
      // An admin is no agent: a 400 naming username (admin-not-agent.test.ts); nobody's username a 404.
      await send('PUT', '/api/v1/agents/{username}/teams', { username: 'root' }, { body: { teams: ['Paris'] }, names: 'username' });
      await send('PUT', '/api/v1/agents/{username}/teams', { username: 'ghost' }, { body: { teams: ['Paris'] } });
      await send('POST', '/api/v1/agents/{username}/two-factor/reset', { username: 'ghost' });
      expect(problems).toEqual([]);
      expect(statuses).toEqual([201, 409, 400, 403, 403, 400, 200, 409, 409, 200, 200, 409, 400, 201, 409, 409, 400, 404, 404]);
    });

    it('holds answers to the headers the document lists: a 401 without WWW-Authenticate is a problem', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/agents' });
      expect(response.statusCode).toBe(401);
      expect(problemsOf({ method: 'GET', path: '/api/v1/agents', response })).toEqual([]);
      delete response.headers['www-authenticate'];
      expect(problemsOf({ method: 'GET', path: '/api/v1/agents', response })).toEqual([expect.stringContaining('header WWW-Authenticate missing')]);
    });

    it('answers a client over its limit (429) as documented', async () => {
      const limited = await startTestApp(dialect, { config: { rateLimit: true, rateLimits: { ...DEFAULT_RATE_LIMITS, ticketsPerAddress: { max: 1, windowMs: 60_000 } } } });
      try {
        const statuses: number[] = [];
        const found: string[] = [];
        for (const body of [validTicket, validTicket, { bogus: 1 }]) {
          const response = await limited.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: body });
          statuses.push(response.statusCode);
          found.push(...problemsOf({ method: 'POST', path: '/api/v1/tickets', response }));
        }
        expect(statuses).toEqual([201, 429, 429]);
        expect(found).toEqual([]);
        // The documented Retry-After is checked by problemsOf; it says how long the limit still holds.
        const last = await limited.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: validTicket });
        expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(last.headers['retry-after'])).toBeLessThanOrEqual(60);
      } finally {
        await limited.close();
      }
    });
  });
}
