/**
 * Webhook endpoints through the API and the pages (§13): the secret shown once, bad input refused
 * with a message naming the field and nothing written, and the SSRF rule at delivery time.
 */
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { snapshot } from '../support/snapshot.js';
import { type Receiver, startReceiver } from '../support/webhookReceiver.js';
import { staffWithToken, type ApiClient } from '../api/support.js';
import { adminClient, newTicket, visibleText } from '../admin/support.js';
import { settledAsDelivered } from '../support/webhookEvents.js';
import { insertEndpoint } from '../../src/repositories/webhooks.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

const BAD: [string, Record<string, unknown>, string, RegExp][] = [
  ['credentials in the URL', { url: 'https://user:secret@hooks.example.com/in', events: ['ticket.created'] }, 'url', /^URL: no user name or password/],
  ['a user name alone', { url: 'https://user@hooks.example.com/in', events: ['ticket.created'] }, 'url', /^URL: no user name or password/],
  ['another scheme', { url: 'ftp://hooks.example.com/in', events: ['ticket.created'] }, 'url', /^URL: only http:\/\/ and https:\/\//],
  ['javascript:', { url: 'javascript:alert(1)', events: ['ticket.created'] }, 'url', /^URL: only http:\/\/ and https:\/\//],
  ['an 8 kB URL', { url: `https://hooks.example.com/${'a'.repeat(8 * 1024)}`, events: ['ticket.created'] }, 'url', /^URL: at most 2048 characters/],
  // 1,000 characters typed, 6,000 stored: each é is written %C3%A9 in the URL kept (and the column holds 2,048).
  ['a URL that grows past 2048 characters once encoded', { url: `https://hooks.example.com/${'é'.repeat(1000)}`, events: ['ticket.created'] }, 'url', /^URL: at most 2048 characters/],
  ['no URL', { events: ['ticket.created'] }, 'url', /^URL: required/],
  ['a loopback address', { url: 'http://127.0.0.1:9/in', events: ['ticket.created'] }, 'url', /^URL: 127\.0\.0\.1 is a loopback address/],
  ['the metadata service', { url: 'http://169.254.169.254/latest/', events: ['ticket.created'] }, 'url', /metadata/],
  ['localhost with a final dot, in capitals', { url: 'http://LOCALHOST./', events: ['ticket.created'] }, 'url', /^URL: localhost\. is a loopback address/],
  ['localhost with a final dot and a port', { url: 'http://localhost.:8139/ssrf', events: ['ticket.created'] }, 'url', /^URL: localhost\. is a loopback address/],
  ['a 6to4 address of loopback', { url: 'http://[2002:7f00:1::]/in', events: ['ticket.created'] }, 'url', /^URL: \[2002:7f00:1::\] is a loopback address/],
  ['an IPv4-compatible address of the metadata service', { url: 'http://[::169.254.169.254]/in', events: ['ticket.created'] }, 'url', /metadata/],
  ['port 0', { url: 'https://hooks.example.com:0/in', events: ['ticket.created'] }, 'url', /^URL: port 0/],
  ['an unknown event', { url: 'https://hooks.example.com/in', events: ['ticket.created', 'ticket.deleted'] }, 'events', /^Events: unknown event "ticket\.deleted"/],
  ['no events', { url: 'https://hooks.example.com/in', events: [] }, 'events', /^Events: choose at least one event/],
  ['events not a list', { url: 'https://hooks.example.com/in', events: 7 }, 'events', /^Events: a list of event names/],
  ['active not a boolean', { url: 'https://hooks.example.com/in', events: '*', active: 'maybe' }, 'active', /^Active: /],
];

for (const dialect of DIALECTS) {
  describe(`webhook endpoints (${dialect})`, () => {
    let t: TestApp;
    let admin: { id: number; api: ApiClient };
    let agent: ApiClient;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      agent = (await staffWithToken(t.app, t.ctx, 'alice')).api;
    });
    afterAll(() => t.close());

    it('registers an endpoint through the API, showing its secret in that answer only', async () => {
      const created = await admin.api.post('/api/v1/webhooks', { url: 'https://hooks.example.com/in', events: ['ticket.closed', 'ticket.created'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ url: 'https://hooks.example.com/in', events: ['ticket.created', 'ticket.closed'], active: true, failing_since: null, disabled_at: null });
      expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const read = await admin.api.get(`/api/v1/webhooks/${created.body.id}`);
      expect(read.body).toEqual({ ...created.body, secret: undefined });
      const listed = await admin.api.get('/api/v1/webhooks');
      // Every API list is {items, next_cursor}; endpoints are few and come in one page.
      expect(listed.body).toEqual({ items: [{ ...created.body, secret: undefined }], next_cursor: null });
      expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
      const all = await admin.api.put(`/api/v1/webhooks/${created.body.id}`, { url: 'https://hooks.example.com/v2', events: '*', active: false });
      expect(all.body).toMatchObject({ url: 'https://hooks.example.com/v2', events: ['*'], active: false });
      expect((await admin.api.delete(`/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
      expect((await admin.api.get(`/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
      expect((await admin.api.get('/api/v1/webhooks/abc')).status).toBe(404);
      expect((await agent.get('/api/v1/webhooks')).status).toBe(403);
    });

    it.each(BAD)('refuses %s with 400 naming the field, writing nothing (API)', async (_what, body, field, message) => {
      const before = await snapshot(t.ctx.handle.db);
      const created = await admin.api.post('/api/v1/webhooks', body);
      expect(created.status).toBe(400);
      expect(created.body.error.code).toBe('invalid_input');
      expect(created.body.error.fields[field]).toMatch(message);
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
    });

    it('refuses a host name that resolves now to a loopback address, on creation and on a change, writing nothing', async () => {
      // This machine's own name resolves to a loopback address (/etc/hosts), as on most Linux hosts.
      const name = hostname().toLowerCase();
      const addresses = (await lookup(name, { all: true })).map((a) => a.address);
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.some((a) => a.startsWith('127.') || a === '::1')).toBe(true);
      const before = await snapshot(t.ctx.handle.db);
      const created = await admin.api.post('/api/v1/webhooks', { url: `http://${name}:9/in`, events: ['ticket.created'] });
      expect(created.status).toBe(400);
      expect(created.body.error.fields.url).toMatch(new RegExp(`^URL: ${name} \\(at [0-9a-f.:]+\\) is a loopback address`));
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      const kept = await admin.api.post('/api/v1/webhooks', { url: 'https://hooks.example.com/resolved', events: ['ticket.created'] });
      expect(kept.status).toBe(201);
      const changed = await admin.api.put(`/api/v1/webhooks/${kept.body.id}`, { url: `http://${name.toUpperCase()}/in`, events: ['ticket.created'] });
      expect(changed.status).toBe(400);
      expect(changed.body.error.fields.url).toMatch(/loopback/);
      expect((await admin.api.get(`/api/v1/webhooks/${kept.body.id}`)).body.url).toBe('https://hooks.example.com/resolved');
      await admin.api.delete(`/api/v1/webhooks/${kept.body.id}`);
    });

    it('keeps a failing endpoint\'s run of failures through a save that changes its events, and starts a new one for a new URL or when it is turned on', async () => {
      const created = await admin.api.post('/api/v1/webhooks', { url: 'https://hooks.example.com/failing', events: ['ticket.created'] });
      const id = created.body.id as number;
      const since = Date.now() - 20 * 3_600_000; // 20 h of failures: 4 h left before it is disabled
      const failing = () => t.ctx.handle.db.updateTable('webhook_endpoints').set({ failing_since: since }).where('id', '=', id).execute();
      await failing();
      // Old: any save of an active endpoint cleared the run, so editing its events put off the disabling by a day.
      const events = await admin.api.put(`/api/v1/webhooks/${id}`, { url: 'https://hooks.example.com/failing', events: ['ticket.created', 'ticket.closed'] });
      expect(events.body).toMatchObject({ active: true, failing_since: new Date(since).toISOString() });
      const url = await admin.api.put(`/api/v1/webhooks/${id}`, { url: 'https://hooks.example.com/fixed', events: ['ticket.created'] });
      expect(url.body).toMatchObject({ url: 'https://hooks.example.com/fixed', failing_since: null });
      await failing();
      await admin.api.put(`/api/v1/webhooks/${id}`, { url: 'https://hooks.example.com/fixed', events: ['ticket.created'], active: false });
      const on = await admin.api.put(`/api/v1/webhooks/${id}`, { url: 'https://hooks.example.com/fixed', events: ['ticket.created'], active: true });
      expect(on.body).toMatchObject({ active: true, failing_since: null, disabled_at: null });
      await admin.api.delete(`/api/v1/webhooks/${id}`);
    });

    it('refuses a bad change of an endpoint and keeps it as it was', async () => {
      const created = await admin.api.post('/api/v1/webhooks', { url: 'https://hooks.example.com/keep', events: ['ticket.created'] });
      const changed = await admin.api.put(`/api/v1/webhooks/${created.body.id}`, { url: 'https://u:p@hooks.example.com/', events: ['nope'] });
      expect(changed.status).toBe(400);
      expect(Object.keys(changed.body.error.fields).sort()).toEqual(['events', 'url']);
      expect((await admin.api.get(`/api/v1/webhooks/${created.body.id}`)).body).toMatchObject({ url: 'https://hooks.example.com/keep', events: ['ticket.created'] });
    });

    it('creates an endpoint on the page, shows the secret once, and refuses bad input with the admin’s text kept', async () => {
      const { client } = await adminClient(t, 'pageadmin');
      const form = await client.get('/adminapp/webhooks/new/');
      expect(form.statusCode).toBe(200);
      const csrf = csrfFrom(form.body);
      const before = await snapshot(t.ctx.handle.db);
      const bad = await client.post('/adminapp/webhooks/new/', { _csrf: csrf, url: 'ftp://hooks.example.com/x', active: 'on' });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('URL: only http:// and https:// addresses');
      expect(bad.body).toContain('Events: choose at least one event');
      expect(bad.body).toContain('value="ftp://hooks.example.com/x"');
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      const good = await client.post('/adminapp/webhooks/new/', { _csrf: csrf, url: 'https://hooks.example.com/page', events: ['ticket.created', 'message.created'], active: 'on' });
      expect(good.statusCode).toBe(200);
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(good.body)?.[0];
      expect(secret).toBeDefined();
      const row = await t.ctx.handle.db.selectFrom('webhook_endpoints').selectAll().where('url', '=', 'https://hooks.example.com/page').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ secret, events: 'ticket.created,message.created', active: 1 });
      const page = await client.get(`/adminapp/webhooks/${row.id}/`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain(secret!);
      // A new ticket's event waits in the endpoint's lane: counted above the log until it is tried.
      await newTicket(t.ctx, { title: 'For the page' });
      expect(visibleText(await client.get(`/adminapp/webhooks/${row.id}/`))).toContain('1 event waits to be sent; each is listed here once tried.');
      expect((await admin.api.get(`/api/v1/webhooks/${row.id}/deliveries`)).body).toEqual({ items: [], next_cursor: null, waiting: 1 });
      expect(await settledAsDelivered(t.ctx.handle, row.id, Date.now())).toHaveLength(1);
      expect((await admin.api.get(`/api/v1/webhooks/${row.id}/deliveries`)).body).toMatchObject({ items: [{ status: 'delivered' }], waiting: 0 });
      const tried = await client.get(`/adminapp/webhooks/${row.id}/`);
      expect(visibleText(tried)).not.toContain('to be sent');
      expect(tried.body).toContain('data-status="delivered"');
      expect(visibleText(tried)).toContain('Delivered and failed tries are kept for 30 days (WEBHOOKS_HISTORY_DAYS)');
      expect((await client.get('/adminapp/webhooks/')).body).toContain('https://hooks.example.com/page');
      // Unticking the switch turns it off.
      const off = await client.post(`/adminapp/webhooks/${row.id}/`, { _csrf: csrf, url: 'https://hooks.example.com/page', events: '*' });
      expect(off.statusCode).toBe(303);
      expect(await t.ctx.handle.db.selectFrom('webhook_endpoints').select(['active', 'events']).where('id', '=', row.id).executeTakeFirstOrThrow()).toEqual({ active: 0, events: '*' });
      const refused = await client.post(`/adminapp/webhooks/${row.id}/`, { _csrf: csrf, url: 'https://hooks.example.com/page', events: 'ticket.exploded' });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('Events: unknown event');
    });

    it('says on the page how long the log keeps settled tries, as WEBHOOKS_HISTORY_DAYS sets it', async () => {
      const seven = await startTestApp(dialect, { config: { webhooksHistoryDays: 7 } });
      try {
        const { client } = await adminClient(seven, 'daysadmin');
        const { id } = await insertEndpoint(seven.ctx.handle.db, { url: 'https://hooks.example.com/days', events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now: Date.now() });
        expect(visibleText(await client.get(`/adminapp/webhooks/${id}/`))).toContain('Delivered and failed tries are kept for 7 days (WEBHOOKS_HISTORY_DAYS)');
      } finally {
        await seven.close();
      }
    });

    it('refuses at delivery time a host that resolves to a loopback address, or is one, unless WEBHOOKS_ALLOW_PRIVATE=on', async () => {
      const receiver: Receiver = await startReceiver();
      try {
        const db = t.ctx.handle.db;
        await db.updateTable('webhook_endpoints').set({ active: 0 }).execute();
        // Saved while the name pointed elsewhere (or by an earlier setting): only delivery can tell.
        const port = new URL(receiver.base).port;
        const byName = await insertEndpoint(db, { url: `http://localhost:${port}/by-name`, events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now: Date.now() });
        const byAddress = await insertEndpoint(db, { url: `http://127.0.0.1:${port}/by-address`, events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now: Date.now() });
        await newTicket(t.ctx, { title: 'SSRF' });
        const worker = (allowPrivate: boolean) => new WebhookWorker({ handle: t.ctx.handle, clock: { now: () => Date.now() }, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate });
        expect(await worker(false).runOnce()).toMatchObject({ claimed: 2, retrying: 2 });
        expect(receiver.requests).toHaveLength(0);
        const rows = await db.selectFrom('webhook_deliveries').select(['endpoint_id', 'status', 'response_status', 'last_error']).where('endpoint_id', 'in', [byName.id, byAddress.id]).orderBy('endpoint_id').execute();
        expect(rows).toEqual([
          { endpoint_id: byName.id, status: 'pending', response_status: null, last_error: expect.stringMatching(/^refused: localhost is a loopback address/) },
          { endpoint_id: byAddress.id, status: 'pending', response_status: null, last_error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback address/) },
        ]);
        // Allowed: the same deliveries go through once due.
        await db.updateTable('webhook_deliveries').set({ next_attempt_at: 0 }).where('status', '=', 'pending').execute();
        expect(await worker(true).runOnce()).toMatchObject({ claimed: 2, delivered: 2 });
        expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/by-address', '/by-name']);
      } finally {
        await receiver.close();
      }
    });
  });
}
