/**
 * Hostile text is data everywhere (issue 6 point 5): a title such as `<script>alert(1)</script>`,
 * a customer name and a staff display name made of markup show escaped on every page that shows
 * them (customer pages, agent dashboard, admin lists and details, the inbound log and a received
 * mail's original), come back unchanged as JSON data from the API, and are escaped in the emails'
 * HTML. SQL metacharacters in searches and filters match literally or are refused, and never reach
 * the database as SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSearch } from '../../src/core/search.js';
import { referenceOf } from '../../src/core/tickets.js';
import { mailOriginalPath } from '../../src/http/links.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { intakeTicket } from '../support/intake.js';
import { ingest, rawMail } from '../admin/mail.js';
import { ApiClient, staffWithToken } from '../api/support.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { counts } from '../support/snapshot.js';

const TITLE = '<script>alert(1)</script>';
const NAME = '"><img src=x onerror=alert(2)>';
const DESCRIPTION = '<iframe src="javascript:alert(3)"></iframe> & </textarea><script>alert(4)</script>';
const DISPLAY_NAME = '<svg onload=alert(5)>';

/** Markup that would run if any of the payloads were not escaped. */
const LIVE_MARKUP = [/<script>alert/i, /<img src=x/i, /<svg onload/i, /<iframe src=/i, /<\/textarea><script/i];

function expectInert(html: string, where: string): void {
  for (const pattern of LIVE_MARKUP) expect(html, `${where}: ${pattern}`).not.toMatch(pattern);
}

for (const dialect of DIALECTS) {
  describe(`hostile text is shown, never run (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let id: number;
    let mailId: number;
    let agent: Client;
    let admin: Client;
    let adminApi: ApiClient;
    let agentApi: ApiClient;
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const alice = await staffWithToken(t.app, t.ctx, 'alice', { capacity: 10 });
      agentApi = alice.api;
      await db().updateTable('users').set({ display_name: DISPLAY_NAME }).where('id', '=', alice.id).execute();
      const root = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      adminApi = root.api;
      agent = new Client(t.app);
      admin = new Client(t.app);
      await agent.login('alice');
      await admin.login('root');
      token = await submitViaForm(new Client(t.app), { title: TITLE, name: NAME, description: DESCRIPTION, priority: 'high' });
      id = (await findTicketByToken(db(), token))!.id;
      // A received mail made of markup (§10): automatic, so it opens no ticket of its own.
      const mail = rawMail({ from: `"${DISPLAY_NAME}" <evil@example.com>`, subject: TITLE, text: DESCRIPTION, html: `<p>${DESCRIPTION}</p>${TITLE}`, headers: { 'Auto-Submitted': 'auto-replied' } });
      mailId = (await ingest(t.ctx, mail)).mailId;
    });
    afterAll(() => t.close());

    it('the stored ticket holds the text exactly as typed (escaping happens when showing it)', async () => {
      const ticket = (await findTicketByToken(db(), token))!;
      expect([ticket.title, ticket.customer_name, ticket.description, ticket.agent_id !== null]).toEqual([TITLE, NAME, DESCRIPTION, true]);
    });

    it('every page shows it escaped', async () => {
      const pages: [Client, string, string[]][] = [
        [new Client(t.app), `/tickets/createsuccess/?t=${token}`, ['alert(5)']],
        [new Client(t.app), `/tickets/status/${token}/`, ['alert(1)', 'alert(5)']],
        [agent, '/agents/dashboard/', ['alert(1)', 'alert(2)', 'alert(5)']],
        [admin, '/admin/tickets/', ['alert(1)']],
        [admin, `/admin/tickets/?q=${encodeURIComponent('<script>')}`, ['alert(1)']],
        [admin, `/admin/tickets/${id}/`, ['alert(1)', 'alert(2)', 'alert(3)', 'alert(4)', 'alert(5)']],
        [admin, '/admin/emails/', ['alert(1)']],
        [admin, '/admin/users/', ['alert(5)']],
        [admin, '/adminapp/dashboard/', []],
        [admin, '/admin/events/', []],
        [admin, '/admin/inbound/', ['alert(1)', 'alert(5)']],
        [admin, `/admin/inbound/?q=${encodeURIComponent('<script>')}`, ['alert(1)']],
        [admin, `/admin/inbound/${mailId}/`, ['alert(1)', 'alert(3)', 'alert(4)', 'alert(5)']],
      ];
      for (const [client, url, shown] of pages) {
        const response = await client.get(url);
        expect(response.statusCode, url).toBe(200);
        expectInert(response.body, url);
        const missing = shown.filter((text) => !response.body.includes(text));
        expect(missing, `${url} shows the text`).toEqual([]);
      }
      // The admin's email and user pages too.
      const emails = await db().selectFrom('outbox').select('id').where('ticket_id', '=', id).execute();
      for (const email of emails) {
        const page = await admin.get(`/admin/emails/${email.id}/`);
        expect(page.statusCode).toBe(200);
        expectInert(page.body, `/admin/emails/${email.id}/`);
      }
      const user = await admin.get(`/admin/users/${(await db().selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id}/`);
      expectInert(user.body, 'user page');
      expect(user.body).toContain('alert(5)');
    });

    it('a mail made of markup shows escaped in the thread and in its original, whose HTML is never rendered', async () => {
      const mail = customerMail({
        from: `"${NAME.replace(/"/g, '\\"')}" <carla@customer.example>`,
        subject: TITLE,
        messageId: '<hostile.1@mail.customer.example>',
        text: DESCRIPTION,
        html: `<p>${DESCRIPTION}</p>${DISPLAY_NAME}<img src=x onerror=alert(6)>`,
        headers: [`X-Hostile: ${TITLE}`],
      });
      const outcome = await ingestMail(t.ctx, new TicketIntake(t.ctx), DEFAULT_INBOUND_SETTING, mail, 'http');
      expect(outcome.result).toBe('created');
      const mailTicket = outcome.ticketId!;
      const [message] = await db().selectFrom('messages').select('id').where('ticket_id', '=', mailTicket).execute();
      for (const url of [`/agents/tickets/${mailTicket}/`, mailOriginalPath(mailTicket, message!.id)]) {
        const response = await admin.get(url);
        expect(response.statusCode, url).toBe(200);
        expectInert(response.body, url);
        for (const text of ['alert(1)', 'alert(2)', 'alert(3)', 'alert(4)']) expect(response.body, `${url} shows ${text}`).toContain(text);
      }
    });

    it('the API returns it as data, unchanged, in JSON', async () => {
      const one = await agentApi.get(`/api/v1/tickets/${referenceOf(id)}`);
      expect(one.status).toBe(200);
      expect(one.headers['content-type']).toMatch(/^application\/json/);
      expect([one.body.title, one.body.customer.name, one.body.description]).toEqual([TITLE, NAME, DESCRIPTION]);
      const list = await adminApi.get(`/api/v1/tickets?q=${encodeURIComponent('<script>')}`);
      // The form's ticket and the one the hostile mail opened: both titles unchanged.
      expect(list.body.items.map((i: { title: string }) => i.title)).toEqual([TITLE, TITLE]);
      const agents = await adminApi.get('/api/v1/agents');
      expect(agents.body.items.map((a: { display_name: string }) => a.display_name)).toContain(DISPLAY_NAME);
    });

    it('the emails carry it escaped in HTML and as plain text in the text part', async () => {
      await agent.submit('/agents/dashboard/', {}, `/agents/tickets/${id}/close/`);
      const emails = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', id).execute();
      expect(emails.map((e) => e.kind).sort()).toEqual(['closed', 'created']);
      for (const email of emails) {
        expectInert(email.html_body, `${email.kind} html`);
        expect(email.html_body, email.kind).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(email.text_body, email.kind).toContain(TITLE);
        expect(email.subject, email.kind).toContain(TITLE);
      }
    });
  });

  describe(`SQL metacharacters in searches and filters (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let api: ApiClient;
    const titles = ["O'Brien's printer", '100% broken', '100 percent fine', 'under_score', 'underXscore', 'back\\slash', 'semi; colon -- comment', 'Robert"); DROP TABLE tickets;--'];
    let rows: { id: number; title: string; customer_email: string }[];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      api = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      admin = new Client(t.app);
      await admin.login('root');
      for (const title of titles) await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title, description: 'x', priority: 'low' });
      rows = await t.ctx.handle.db.selectFrom('tickets').select(['id', 'title', 'customer_email']).execute();
    });
    afterAll(() => t.close());

    const searches = ["'", '%', '_', '\\', "' OR '1'='1", "%' OR 1=1 --", '"; DROP TABLE tickets; --', '100%', 'under_', '*', '[a-z]', '(', ');', '$1', '?', ':name', '--'];

    it('search q matches its text literally (README, "Search"), in the admin list and the API, or is refused naming q; the tables are untouched', async () => {
      const before = await counts(t.ctx.handle.db);
      for (const q of searches) {
        const parsed = parseSearch(q);
        const listed = await api.get(`/api/v1/tickets?q=${encodeURIComponent(q)}&limit=200`);
        const page = await admin.get(`/admin/tickets/?q=${encodeURIComponent(q)}&per_page=200`);
        if (!parsed.ok) {
          // Too short for a substring index, or only punctuation: said, not guessed at.
          expect(listed.status, q).toBe(400);
          expect(Object.keys(listed.body.error.fields), q).toEqual(['q']);
          expect(page.statusCode, q).toBe(400);
          expect(page.body, q).toContain(parsed.message.replaceAll("'", '&#39;').replaceAll('"', '&quot;'));
          continue;
        }
        // Every included text somewhere in the ticket's title, customer or its one message ("x").
        const texts = parsed.query.terms.flatMap((term) => (term.kind === 'text' && !term.exclude ? [term.text] : []));
        const expected = rows
          .filter((r) => texts.every((text) => `${r.title} carla carla@example.com x`.toLowerCase().includes(text)))
          .map((r) => r.id)
          .sort((a, b) => a - b);
        expect(listed.status, q).toBe(200);
        expect(listed.body.items.map((i: { reference: string }) => Number(i.reference.slice(3))).sort((a: number, b: number) => a - b), `API q=${q}`).toEqual(expected);
        expect(page.statusCode, q).toBe(200);
        const shown = [...page.body.matchAll(/<tr data-id="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
        expect(shown, `admin q=${q}`).toEqual(expected);
      }
      for (const q of searches) {
        for (const list of ['/admin/users/', '/admin/emails/', '/admin/inbound/']) expect((await admin.get(`${list}?q=${encodeURIComponent(q)}`)).statusCode, `${list} q=${q}`).toBe(200);
      }
      // Some searches find something: the literal ones are not all refused.
      expect((await api.get(`/api/v1/tickets?q=${encodeURIComponent("o'brien")}`)).body.items).toHaveLength(1);
      expect((await api.get(`/api/v1/tickets?q=${encodeURIComponent('"100%"')}`)).body.items).toHaveLength(1);
      expect((await api.get(`/api/v1/tickets?q=${encodeURIComponent('DROP TABLE tickets')}`)).body.items).toHaveLength(1);
      expect(await counts(t.ctx.handle.db)).toEqual(before);
    });

    it('filters with SQL in them are refused with a message, not run', async () => {
      const refused: [string, string][] = [
        ['/admin/tickets/', "status=open' OR '1'='1"],
        ['/admin/tickets/', "agent=alice'--"],
        ['/admin/tickets/', 'priority=high;DROP TABLE tickets'],
        ['/admin/tickets/', 'from=2026-01-01%27'],
        ['/admin/events/', 'ticket=1 OR 1=1'],
        ['/admin/events/', "type=created' --"],
        ['/admin/users/', "role=admin' OR 'x'='x"],
        ['/admin/emails/', "status=sent' OR 1=1 --"],
        ['/admin/inbound/', "result=created' OR 1=1 --"],
        ['/admin/inbound/', "sender=x' OR 'x'='x"],
      ];
      for (const [list, query] of refused) {
        const response = await admin.get(`${list}?${query}`);
        expect(response.statusCode, `${list}?${query}`).toBe(400);
        expect(response.body, `${list}?${query}`).toMatch(/role="alert"/);
      }
      for (const query of ["status=open' OR '1'='1", "agent=alice' OR 1=1", 'priority=high;--', "state=pending'"]) {
        const response = await api.get(`/api/v1/tickets?${query}`);
        expect(response.status, query).toBe(400);
        expect(response.body.error.code).toBe('invalid_input');
      }
      expect((await counts(t.ctx.handle.db)).tickets).toBe(titles.length);
    });
  });
}
