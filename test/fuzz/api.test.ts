/**
 * Property-based tests of every JSON API endpoint (issue 6 point 5): bodies with any values of any
 * type, missing and extra fields, raw bodies that are not JSON, wrong content types, any query
 * string, any reference, any Authorization header. Every answer is a success or a 4xx in the §8
 * error shape (never a 5xx), and a refused creation or message writes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { intakeTicket } from '../support/intake.js';
import { staffWithToken } from '../api/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { counts } from '../support/snapshot.js';
import { calendarTables } from '../support/calendars.js';
import { anyJson, anyText, expectClearAnswer, expectTicketTablesAgree, formValue, jsonOf, runs, tried } from './support.js';

/** What a message request can write: the thread, the outbox, the ticket's events. */
async function threadCounts(db: Db) {
  const n = async (table: 'messages' | 'outbox' | 'ticket_events') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { messages: await n('messages'), outbox: await n('outbox'), events: await n('ticket_events') };
}

const MESSAGE = { kind: 'reply', body: 'Thanks, looking into it.', close: false, seen: null };

const TICKET = { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is really on fire.', priority: 'medium' };

/**
 * A reference-like path segment: real ones, near misses, and anything. Not `.` or `..`: a client
 * removes such a segment from the path before sending it (RFC 3986 §5.2.4; light-my-request too), so
 * `/api/v1/tickets/./assign` arrives as `/api/v1/tickets/assign`, a GET-only address (405).
 */
const reference = fc.oneof(
  fc.constantFrom('HD-1', 'hd-2', 'HD-3', 'HD-0', 'HD--1', 'HD-1.5', 'HD-999999999999999', 'HD-9999999999999999999', 'HD-1%00', 'HD-1%20', '%20HD-1', 'HD-', '1', 'null'),
  anyText.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?'))).map((segment) => (segment === '' || segment === '.' || segment === '..' ? 'x' : segment)),
);

function queryOf(names: string[]): fc.Arbitrary<string> {
  return fc.record(Object.fromEntries(names.map((n) => [n, formValue]))).map((fields) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const one of v === undefined ? [] : [v].flat()) params.append(k, one);
    const text = params.toString();
    return text ? `?${text}` : '';
  });
}

for (const dialect of DIALECTS) {
  describe(`every JSON API endpoint, fuzzed (${dialect})`, () => {
    let t: TestApp;
    let tokens: Record<'agent' | 'admin', string>;
    const db = () => t.ctx.handle.db;

    const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, options: { as?: 'agent' | 'admin'; json?: unknown; raw?: string; type?: string; authorization?: string } = {}) => {
      tried.inputs += 1;
      const headers: Record<string, string> = {};
      if (options.as) headers.authorization = `Bearer ${tokens[options.as]}`;
      if (options.authorization !== undefined) headers.authorization = options.authorization;
      let payload: string | undefined;
      if (options.raw !== undefined) {
        payload = options.raw;
        if (options.type) headers['content-type'] = options.type;
      } else if (options.json !== undefined) {
        payload = JSON.stringify(options.json);
        headers['content-type'] = 'application/json';
      }
      return t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const agent = await staffWithToken(t.app, t.ctx, 'alice', { capacity: 3 });
      await staffWithToken(t.app, t.ctx, 'bob', { capacity: 3 });
      const admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      tokens = { agent: agent.token, admin: admin.token };
      for (let i = 0; i < 5; i++) await intakeTicket(t.ctx, { ...TICKET, title: `Seed ${i}` });
    });
    afterAll(async () => {
      expect(await capacityViolations(db())).toEqual([]);
      expect(await historyViolations(db())).toEqual([]);
      console.log(`${dialect}: ${tried.inputs} fuzzed requests so far in this file`);
      await t.close();
    });

    it('POST /api/v1/tickets: 201 with exactly one ticket, event and email, or a §8 4xx with nothing written', async () => {
      await fc.assert(
        fc.asyncProperty(jsonOf(TICKET), async (body) => {
          const before = await counts(db());
          const response = await call('POST', '/api/v1/tickets', { json: body });
          expectClearAnswer('create', response);
          expect([201, 400, 413]).toContain(response.statusCode);
          const after = await counts(db());
          const delta = response.statusCode === 201 ? 1 : 0;
          expect({ tickets: after.tickets - before.tickets, created: after.created - before.created, emails: after.createdEmails - before.createdEmails }).toEqual({ tickets: delta, created: delta, emails: delta });
          if (response.statusCode === 201) expect(response.json().title).toBe(response.json().title.trim());
        }),
        runs(80),
      );
    });

    it('raw bodies: broken JSON, other content types, nothing at all', async () => {
      const types = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', '*/*', '');
      const raw = fc.oneof(anyText, fc.constantFrom('{', '{"title":', '[]', 'null', '""', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', JSON.stringify(TICKET), `${JSON.stringify(TICKET)}x`, '\uFEFF{}'));
      await fc.assert(
        fc.asyncProperty(types, raw, fc.constantFrom('/api/v1/tickets', '/api/v1/tickets/HD-1/close', '/api/v1/tickets/HD-1/assign', '/api/v1/agents/me/presence', '/api/v1/tickets/HD-2/messages'), async (type, body, url) => {
          const before = await counts(db());
          const thread = await threadCounts(db());
          const method = url.endsWith('presence') ? 'PUT' : 'POST';
          const response = await call(method, url, { raw: body, ...(type === undefined ? {} : { type }), as: url === '/api/v1/tickets' ? undefined : url.endsWith('presence') ? 'agent' : 'admin' });
          expectClearAnswer(`${method} ${url} ${type}`, response);
          if (url === '/api/v1/tickets' && response.statusCode !== 201) expect((await counts(db())).tickets).toBe(before.tickets);
          if (url.endsWith('/messages') && response.statusCode !== 201) expect(await threadCounts(db())).toEqual(thread);
          // Nothing may reach Object.prototype.
          expect(({} as Record<string, unknown>).admin).toBeUndefined();
          expect(({} as Record<string, unknown>).x).toBeUndefined();
        }),
        runs(80),
      );
    });

    it('GET /api/v1/tickets with any filters, as an agent and as an admin', async () => {
      await fc.assert(
        fc.asyncProperty(queryOf(['status', 'state', 'priority', 'agent', 'breached', 'q', 'limit', 'cursor']), fc.constantFrom('agent' as const, 'admin' as const), async (query, as) => {
          const response = await call('GET', `/api/v1/tickets${query}`, { as });
          expectClearAnswer(query, response);
          expect([200, 400]).toContain(response.statusCode);
          if (response.statusCode === 200) expect(Array.isArray(response.json().items)).toBe(true);
        }),
        runs(100),
      );
    });

    it('GET /api/v1/tickets?q= with search syntax gone wrong: results (and their next page) or a 400 naming q, never an engine error', async () => {
      const piece = fc.oneof(
        fc.constantFrom('"', '""', '-', '--', '*', ':', '^', '(', ')', '{', '}', 'NEAR', 'NEAR/2', 'AND', 'OR', 'NOT', '+', '%', '_', '\\', "'", ';', '\u0000', ' ', 'printer', 'seed', 'HD-1', 'HD-99999999999', 'carla@example.com', '@', '😀', 'é'),
        anyText,
      );
      const q = fc.oneof(fc.array(piece, { maxLength: 30 }).map((parts) => parts.join('')), fc.constantFrom('x'.repeat(10_000), '"'.repeat(200), '-'.repeat(200), '*'.repeat(200)));
      await fc.assert(
        fc.asyncProperty(q, fc.constantFrom('agent' as const, 'admin' as const), async (text, as) => {
          // A lone surrogate cannot be URL-encoded as UTF-8: it arrives as the bytes of U+FFFD.
          const url = `/api/v1/tickets?limit=2&q=${encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'))}`;
          const response = await call('GET', url, { as });
          expectClearAnswer(url, response);
          expect([200, 400]).toContain(response.statusCode);
          if (response.statusCode === 400) {
            expect(Object.keys(response.json().error.fields ?? {}), url).toEqual(['q']);
            return;
          }
          const cursor = response.json().next_cursor as string | null;
          if (cursor === null) return;
          const next = await call('GET', `${url}&cursor=${cursor}`, { as });
          expectClearAnswer(`${url} next page`, next);
          expect(next.statusCode, url).toBe(200);
        }),
        runs(150),
      );
    });

    it('one ticket, close and assign by any reference, with any body', async () => {
      await fc.assert(
        fc.asyncProperty(reference, fc.constantFrom('view', 'close', 'assign'), fc.constantFrom('agent' as const, 'admin' as const), jsonOf({ agent: 'bob' }), async (ref, action, as, body) => {
          const url = action === 'view' ? `/api/v1/tickets/${ref}` : `/api/v1/tickets/${ref}/${action}`;
          const response = action === 'view' ? await call('GET', url, { as }) : await call('POST', url, { as, ...(action === 'assign' ? { json: body } : {}) });
          expectClearAnswer(url, response);
          expect([200, 400, 403, 404, 409]).toContain(response.statusCode);
        }),
        runs(100),
      );
      await expectTicketTablesAgree(db(), 'after closes and assignments');
    });

    it('POST …/messages with any body: 201 with one message (and one email for a reply), or a 4xx with nothing written', async () => {
      const kinds = fc.constantFrom('reply', 'note', 'Note', 'REPLY', 'customer', '');
      const bodies = fc.oneof(
        jsonOf(MESSAGE),
        fc.tuple(jsonOf(MESSAGE), kinds).map(([body, kind]) => (typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, kind } : body)),
        fc.tuple(fc.boolean(), fc.integer({ min: -2, max: 400 })).map(([close, seen]) => ({ kind: 'reply', body: 'Seen it', close, seen })),
        anyText.map((body) => ({ kind: 'note', body })),
        fc.constant({ kind: 'reply', body: 'With a file', attachments: [{ filename: 'a.txt', content: 'aGk=' }] }),
      );
      const references = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('HD-1', 'HD-2', 'HD-3', 'HD-4', 'HD-5') }, { weight: 1, arbitrary: reference });
      await fc.assert(
        fc.asyncProperty(references, fc.constantFrom('agent' as const, 'admin' as const), bodies, async (ref, as, body) => {
          const before = await threadCounts(db());
          const response = await call('POST', `/api/v1/tickets/${ref}/messages`, { as, json: body });
          expectClearAnswer(`${ref} ${JSON.stringify(body).slice(0, 80)}`, response);
          expect([201, 400, 403, 404, 409]).toContain(response.statusCode);
          const after = await threadCounts(db());
          if (response.statusCode !== 201) {
            expect(after).toEqual(before);
            return;
          }
          const message = response.json();
          expect(['reply', 'note']).toContain(message.kind);
          expect(message.channel).toBe('api');
          expect(after.messages - before.messages).toBe(1);
          // One email for a reply (saying closed when it closes), none for a note. Only reply and
          // close writes events: the closed one, and any R2/R3 moves that follow for the agent.
          expect(after.outbox - before.outbox).toBe(message.kind === 'reply' ? 1 : 0);
          const closing = (body as { close?: unknown }).close === true;
          if (closing) expect(after.events - before.events).toBeGreaterThanOrEqual(1);
          else expect(after.events).toBe(before.events);
        }),
        runs(100),
      );
      await expectTicketTablesAgree(db(), 'after messages');
    });

    it('GET …/messages with any reference and query, as an agent and as an admin', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.constantFrom('HD-1', 'HD-2', 'HD-3'), reference), queryOf(['limit', 'cursor']), fc.constantFrom('agent' as const, 'admin' as const), async (ref, query, as) => {
          const response = await call('GET', `/api/v1/tickets/${ref}/messages${query}`, { as });
          expectClearAnswer(`${ref}${query}`, response);
          expect([200, 400, 404]).toContain(response.statusCode);
          if (response.statusCode === 200) {
            const ids = response.json().items.map((m: { id: number }) => m.id);
            expect(ids).toEqual([...ids].sort((a, b) => a - b));
          }
        }),
        runs(80),
      );
    });

    it('presence, staff list, stats and settings with any input', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            jsonOf({ status: 'away' }).map((json) => ['PUT', '/api/v1/agents/me/presence', 'agent', json] as const),
            queryOf(['limit', 'cursor']).map((q) => ['GET', `/api/v1/agents${q}`, 'admin', undefined] as const),
            queryOf(['window']).map((q) => ['GET', `/api/v1/stats${q}`, 'admin', undefined] as const),
            fc.constant(['GET', '/api/v1/settings', 'admin', undefined] as const),
            jsonOf({ sla: { high: { first_response: '30s' } }, warn_at_percent: 80, default_capacity: 4, calendar: '24/7' }).map((json) => ['PATCH', '/api/v1/settings', 'admin', json] as const),
          ),
          async ([method, url, as, json]) => {
            const response = await call(method, url, { as, ...(json === undefined ? {} : { json }) });
            expectClearAnswer(url, response);
            expect([200, 400]).toContain(response.statusCode);
          },
        ),
        runs(80),
      );
    });

    it('calendars: any body, id and query, as an admin: a success, or a §8 4xx with nothing written', async () => {
      const interval = fc.oneof(fc.constant(['09:00', '17:00']), fc.constant(['22:00', '06:00']), fc.tuple(anyJson, anyJson), anyJson);
      const day = fc.oneof({ weight: 2, arbitrary: fc.array(interval, { maxLength: 3 }) }, { weight: 1, arbitrary: anyJson });
      const hours = fc.oneof(
        { weight: 3, arbitrary: fc.record({ mon: day, tue: day, sat: day }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('mon', 'sun', 'thur', '__proto__', 'constructor', ''), day, { maxKeys: 3 }) },
        { weight: 1, arbitrary: anyJson },
      );
      const holiday = fc.oneof(fc.record({ from: fc.oneof(fc.constant('2026-12-24'), anyJson), to: fc.oneof(fc.constant('2026-12-26'), anyJson), yearly: anyJson }, { requiredKeys: ['from'] }), anyJson);
      const valid = { name: 'Office', time_zone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']] }, holidays: [{ from: '2026-12-24', to: '2026-12-26', yearly: true }] };
      const body = fc.oneof(
        jsonOf(valid),
        fc.record({ name: fc.oneof(fc.constant('Office'), anyText), time_zone: fc.constantFrom('Europe/Berlin', 'UTC', 'Mars/Base', ''), hours, holidays: fc.array(holiday, { maxLength: 3 }) }),
      );
      const id = fc.oneof(fc.constantFrom('1', '2', '3', '0', '-1', '1.5', '99999999999', 'abc', '%00'), anyText.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')) || 'x'));
      const request = fc.oneof(
        body.map((json) => ['POST', '/api/v1/calendars', json] as const),
        fc.tuple(id, body).map(([i, json]) => ['PUT', `/api/v1/calendars/${i}`, json] as const),
        id.map((i) => ['GET', `/api/v1/calendars/${i}`, undefined] as const),
        id.map((i) => ['DELETE', `/api/v1/calendars/${i}`, undefined] as const),
        queryOf(['limit', 'cursor']).map((q) => ['GET', `/api/v1/calendars${q}`, undefined] as const),
      );
      await fc.assert(
        fc.asyncProperty(request, async ([method, url, json]) => {
          const before = await calendarTables(db());
          const response = await call(method, url, { as: 'admin', ...(json === undefined ? {} : { json }) });
          expectClearAnswer(`${method} ${url} ${JSON.stringify(json)?.slice(0, 120)}`, response);
          expect([200, 201, 204, 400, 404, 409], `${method} ${url}`).toContain(response.statusCode);
          if (response.statusCode >= 400) expect(await calendarTables(db())).toEqual(before);
        }),
        runs(150),
      );
    });

    it('webhooks: any body, id and query, as an admin: a success, or a §8 4xx with nothing written', async () => {
      const url = fc.oneof(
        fc.constantFrom('https://hooks.example.com/in', 'http://127.0.0.1/', 'https://u:p@hooks.example.com/', 'ftp://x/', `https://hooks.example.com/${'a'.repeat(9000)}`, 'javascript:alert(1)', '//x', ''),
        anyText,
        anyJson,
      );
      const events = fc.oneof(fc.constant(['ticket.created']), fc.constant('*'), fc.array(fc.oneof(fc.constantFrom('ticket.closed', 'csat.rated', '*', 'ticket.nope', ''), anyText), { maxLength: 4 }), anyJson);
      const body = fc.oneof(jsonOf({ url: 'https://hooks.example.com/in', events: ['ticket.created'], active: true }), fc.record({ url, events, active: fc.oneof(fc.boolean(), anyJson) }, { requiredKeys: [] }), anyJson);
      const id = fc.oneof(fc.constantFrom('1', '2', '0', '-1', '1.5', '99999999999', 'abc', '%00'), anyText.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')) || 'x'));
      const request = fc.oneof(
        body.map((json) => ['POST', '/api/v1/webhooks', json] as const),
        fc.tuple(id, body).map(([i, json]) => ['PUT', `/api/v1/webhooks/${i}`, json] as const),
        id.map((i) => ['GET', `/api/v1/webhooks/${i}`, undefined] as const),
        id.map((i) => ['DELETE', `/api/v1/webhooks/${i}`, undefined] as const),
        fc.tuple(id, queryOf(['limit', 'cursor'])).map(([i, q]) => ['GET', `/api/v1/webhooks/${i}/deliveries${q}`, undefined] as const),
        fc.tuple(id, id).map(([i, d]) => ['POST', `/api/v1/webhooks/${i}/deliveries/${d}/retry`, undefined] as const),
        id.map((i) => ['POST', `/api/v1/webhooks/${i}/secret`, undefined] as const),
      );
      const tables = async () => ({
        endpoints: await db().selectFrom('webhook_endpoints').selectAll().orderBy('id').execute(),
        deliveries: await db().selectFrom('webhook_deliveries').selectAll().orderBy('id').execute(),
      });
      await fc.assert(
        fc.asyncProperty(request, async ([method, url, json]) => {
          const before = await tables();
          const response = await call(method, url, { as: 'admin', ...(json === undefined ? {} : { json }) });
          expectClearAnswer(`${method} ${url.slice(0, 120)} ${JSON.stringify(json)?.slice(0, 120)}`, response);
          expect([200, 201, 204, 400, 404], `${method} ${url.slice(0, 120)}`).toContain(response.statusCode);
          if (response.statusCode >= 400) expect(await tables()).toEqual(before);
        }),
        runs(150),
      );
    });

    it('the audit log and a second factor\'s reset with any query and username: a success, or a §8 4xx', async () => {
      const username = fc.oneof(fc.constantFrom('alice', 'root', 'nobody', 'ALICE', '%00', 'a'.repeat(300)), anyText.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '?')) || 'x'));
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            queryOf(['actor', 'action', 'from', 'to', 'limit', 'cursor']).map((q) => ['GET', `/api/v1/audit${q}`] as const),
            username.map((u) => ['POST', `/api/v1/agents/${u}/two-factor/reset`] as const),
          ),
          async ([method, url]) => {
            const response = await call(method, url, { as: 'admin' });
            expectClearAnswer(url, response);
            expect([200, 400, 404], url.slice(0, 120)).toContain(response.statusCode);
          },
        ),
        runs(80),
      );
    });

    it('any Authorization header: 401 in the §8 shape, never a 5xx', async () => {
      const headers = fc.oneof(
        anyText.map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')),
        anyText.map((s) => `Bearer ${s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')}`),
        fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'a'.repeat(5000)}`, 'Bearer a b', 'Token x'),
      );
      await fc.assert(
        fc.asyncProperty(headers, fc.constantFrom('/api/v1/tickets', '/api/v1/agents', '/api/v1/stats', '/api/v1/tickets/HD-1'), async (authorization, url) => {
          const response = await call('GET', url, { authorization });
          expectClearAnswer(`${url} ${authorization.slice(0, 40)}`, response);
          expect(response.statusCode).toBe(401);
        }),
        runs(60),
      );
    });
  });
}
