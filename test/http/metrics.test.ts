/**
 * `/metrics` (issue 22 item 8): the outbox backlog and each webhook endpoint's lane are visible (a
 * stuck outbox or lane shows), the scrape's
 * database reads are cached for a few seconds (one read in flight however many scrapes), and
 * METRICS_TOKEN closes the endpoint to anyone without it.
 */
import { type AddressInfo, createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connect } from '../../src/db/connect.js';
import { buildApp } from '../../src/http/app.js';
import { cachedFor, HEALTH_TIMEOUT_MS, METRICS_CACHE_MS } from '../../src/http/routes/ops.js';
import { Client, startTestApp, submitViaForm, TEST_CONFIG, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { QueryCounter } from '../support/queryCounter.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { pendingDeliveries, settledAsDelivered } from '../support/webhookEvents.js';
import { deleteEndpoint, insertEndpoint, insertWebhookEvents } from '../../src/repositories/webhooks.js';

const TOKEN = 'metrics-token-0123456789abcdef';

async function scrape(app: FastifyInstance, authorization?: string) {
  return app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
}

/** The value of one sample in Prometheus text, e.g. `helpdesk_outbox_emails{status="pending"}`. */
function sample(body: string, name: string): number {
  const line = body.split('\n').find((l) => l.startsWith(name + ' '));
  if (line === undefined) throw new Error(`no sample ${name} in:\n${body.split('\n').filter((l) => /^helpdesk_(outbox|tickets|webhook)/.test(l)).join('\n')}`);
  return Number(line.slice(name.length + 1));
}

const pending = (body: string) => sample(body, 'helpdesk_outbox_emails{status="pending"}');

for (const dialect of DIALECTS) {
  describe(`metrics (${dialect})`, () => {
    let t: TestApp | undefined;
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await t?.close();
      await database?.drop();
      t = undefined;
      database = undefined;
    });

    it('shows a stuck outbox: emails pending, sending, failed, and the oldest due email’s age growing', async () => {
      const clock = new FakeClock();
      t = await startTestApp(dialect, { clock });
      const start = clock.now();
      // No worker runs in this app: every "created" email stays pending, as with a dead worker.
      for (let i = 0; i < 5; i++) await submitViaForm(new Client(t.app), { title: `Broken ${i}` });
      const db = t.ctx.handle.db;
      const ids = (await db.selectFrom('outbox').select('id').orderBy('id').execute()).map((r) => r.id);
      expect(ids).toHaveLength(5);
      await db.updateTable('outbox').set({ status: 'failed', last_error: '554 refused' }).where('id', '=', ids[0]!).execute();
      await db.updateTable('outbox').set({ status: 'sending', attempts: 1, next_attempt_at: start + 5 * 60_000 }).where('id', '=', ids[1]!).execute();
      // A pending email backing off until later is not due: it does not count for the age.
      await db.updateTable('outbox').set({ attempts: 1, next_attempt_at: start + 30 * 60_000 }).where('id', '=', ids[4]!).execute();
      await db.updateTable('outbox').set({ status: 'sent', sent_at: start }).where('id', '=', ids[3]!).execute();

      clock.advance(60_000);
      let body = (await scrape(t.app)).body;
      expect(sample(body, 'helpdesk_outbox_emails{status="pending"}')).toBe(2);
      expect(sample(body, 'helpdesk_outbox_emails{status="sending"}')).toBe(1);
      expect(sample(body, 'helpdesk_outbox_emails{status="failed"}')).toBe(1);
      expect(sample(body, 'helpdesk_outbox_oldest_due_seconds')).toBe(60);

      clock.advance(30_000);
      body = (await scrape(t.app)).body;
      expect(sample(body, 'helpdesk_outbox_oldest_due_seconds')).toBe(90);

      // Nothing due any more: the age is 0, not the age of an email that waits for its retry time.
      await db.updateTable('outbox').set({ status: 'sent', sent_at: clock.now() }).where('id', '=', ids[2]!).execute();
      clock.advance(METRICS_CACHE_MS);
      body = (await scrape(t.app)).body;
      expect(sample(body, 'helpdesk_outbox_emails{status="pending"}')).toBe(1);
      expect(sample(body, 'helpdesk_outbox_oldest_due_seconds')).toBe(0);

      // The email claimed by a worker that died (still `sending`): once its lease has run out it waits
      // for a worker again, like a pending one, and counts from then. The age said 0 meanwhile, so a
      // backlog whose emails had all been claimed before their workers stopped never raised the alert.
      clock.advance(start + 400_000 - clock.now());
      body = (await scrape(t.app)).body;
      expect(sample(body, 'helpdesk_outbox_oldest_due_seconds')).toBe(100);
    });

    it('shows each webhook endpoint: its state, the events waiting in its lane and the first one’s age, its retries', async () => {
      const clock = new FakeClock();
      t = await startTestApp(dialect, { clock });
      const db = t.ctx.handle.db;
      const endpoint = async (n: string, over: { active?: boolean; failing_since?: number; disabled_at?: number } = {}) => {
        const { id } = await insertEndpoint(db, { url: `https://hooks.example.com/${n}`, events: '*', secret: 'whsec_x', active: over.active ?? true, now: clock.now() });
        await db.updateTable('webhook_endpoints').set({ failing_since: over.failing_since ?? null, disabled_at: over.disabled_at ?? null }).where('id', '=', id).execute();
        return id;
      };
      const a = await endpoint('a');
      const b = await endpoint('b', { failing_since: clock.now() });
      const c = await endpoint('c', { active: false, disabled_at: clock.now() });
      const d = await endpoint('d', { active: false });
      const event = (id: string, endpointIds: number[]) => ({ event: 'ticket.created', messageId: id, ticketId: null, payload: '{}', endpointIds, now: clock.now() });
      await insertWebhookEvents(db, [event('e1', [a, b])]);
      clock.advance(10_000);
      await insertWebhookEvents(db, [event('e2', [a])]);
      await pendingDeliveries(db, [event('r1', [b]), event('r2', [b])]);
      await db.updateTable('webhook_deliveries').set({ status: 'sending' }).where('message_id', '=', 'r2').execute();
      clock.advance(20_000);

      let body = (await scrape(t.app)).body;
      expect(['active', 'failing', 'disabled', 'off'].map((state) => sample(body, `helpdesk_webhook_endpoints{state="${state}"}`))).toEqual([1, 1, 1, 1]);
      expect(sample(body, `helpdesk_webhook_waiting{endpoint="${a}"}`)).toBe(2);
      expect(sample(body, `helpdesk_webhook_waiting{endpoint="${b}"}`)).toBe(1);
      expect(sample(body, `helpdesk_webhook_oldest_waiting_seconds{endpoint="${a}"}`)).toBe(30);
      expect(sample(body, `helpdesk_webhook_oldest_waiting_seconds{endpoint="${b}"}`)).toBe(30);
      expect(sample(body, `helpdesk_webhook_retries{endpoint="${b}",status="pending"}`)).toBe(1);
      expect(sample(body, `helpdesk_webhook_retries{endpoint="${b}",status="sending"}`)).toBe(1);
      expect(sample(body, `helpdesk_webhook_retries{endpoint="${a}",status="pending"}`)).toBe(0);
      // Endpoints that are off have no lane to show.
      expect(body).not.toContain(`helpdesk_webhook_waiting{endpoint="${c}"}`);
      expect(body).not.toContain(`helpdesk_webhook_waiting{endpoint="${d}"}`);

      // a's lane posted: nothing waits there; b's first event still waits. A deleted endpoint leaves no sample.
      await settledAsDelivered(t.ctx.handle, a, clock.now());
      await deleteEndpoint(db, d);
      clock.advance(METRICS_CACHE_MS);
      body = (await scrape(t.app)).body;
      expect(sample(body, `helpdesk_webhook_waiting{endpoint="${a}"}`)).toBe(0);
      expect(sample(body, `helpdesk_webhook_oldest_waiting_seconds{endpoint="${a}"}`)).toBe(0);
      expect(sample(body, `helpdesk_webhook_oldest_waiting_seconds{endpoint="${b}"}`)).toBe(35);
      expect(sample(body, 'helpdesk_webhook_endpoints{state="off"}')).toBe(0);
      expect(body).not.toContain(`endpoint="${d}"`);
    });

    it('caches the scrape’s database reads for a few seconds, one read in flight however many scrapes', async () => {
      database = await freshDatabase(dialect);
      const counter = new QueryCounter();
      const clock = new FakeClock();
      const handle = { ...database.handle, db: database.handle.db.withPlugin(counter) };
      const { app } = await buildApp({ handle, clock, config: TEST_CONFIG });
      try {
        await app.ready();
        await submitViaForm(new Client(app));
        counter.count = 0;
        expect(pending((await scrape(app)).body)).toBe(1);
        const perScrape = counter.count;
        // Three statements: the ticket summaries, the outbox backlog and the webhooks' figures (see
        // readFigures); on PostgreSQL the last one in a transaction of its own without JIT (one more).
        expect(perScrape).toBe(dialect === 'postgres' ? 4 : 3);

        // Within the TTL: no query, and the figures are the cached ones although the rows changed.
        await submitViaForm(new Client(app));
        counter.count = 0;
        clock.advance(METRICS_CACHE_MS - 1);
        expect(pending((await scrape(app)).body)).toBe(1);
        expect(counter.count).toBe(0);

        // Past the TTL, concurrent scrapes share one read.
        clock.advance(1);
        const bodies = await Promise.all([scrape(app), scrape(app), scrape(app), scrape(app)]);
        expect(bodies.map((b) => pending(b.body))).toEqual([2, 2, 2, 2]);
        expect(counter.count).toBe(perScrape);
      } finally {
        await app.close();
      }
    });

    it('METRICS_TOKEN: 401 without it or with a wrong one, 200 with it', async () => {
      t = await startTestApp(dialect, { config: { metricsToken: TOKEN } });
      for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
        const response = await scrape(t.app, authorization);
        expect(response.statusCode, String(authorization)).toBe(401);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(response.body).not.toContain('helpdesk_');
      }
      const ok = await scrape(t.app, `Bearer ${TOKEN}`);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('helpdesk_outbox_emails');
      // The health check stays open: load balancers do not send tokens.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('without METRICS_TOKEN /metrics stays open', async () => {
      t = await startTestApp(dialect);
      expect((await scrape(t.app)).statusCode).toBe(200);
    });
  });
}

// During a database outage is when a scrape matters most (the 5xx answers, the event loop, memory):
// /metrics answered the 500 error page instead, and Prometheus lost every figure, the process's own too.
describe('metrics with the database unreachable (PostgreSQL, nothing listening on its port)', () => {
  it('still answers: the process figures and request counts, the database figures left out, helpdesk_database_up 0', async () => {
    const handle = connect('postgres://postgres@127.0.0.1:1/helpdesk', { onError: () => undefined });
    const { app } = await buildApp({ handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);
      const response = await scrape(app);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(sample(response.body, 'helpdesk_database_up')).toBe(0);
      expect(response.body).toContain('helpdesk_process_process_resident_memory_bytes');
      expect(response.body).toContain('helpdesk_http_request_duration_seconds_count{method="GET",route="/healthz",status="503"} 1');
      // No figure stands for what could not be read: no sample, rather than a 0 that looks like an empty outbox.
      expect(response.body).not.toMatch(/^helpdesk_(tickets|outbox_emails|webhook_\w+)(\{| )/m);
      expect(sample(response.body, 'helpdesk_outbox_oldest_due_seconds')).toBeNaN();
    } finally {
      await app.close();
      await handle.destroy();
    }
  });

  // A database that takes connections and never answers (a host gone behind a firewall that drops
  // packets, a server stuck): /healthz waited for it without end, so the probe learnt nothing but
  // its own timeout, and the README's "or 503" never came.
  it('/healthz answers 503 within its time limit when the database does not answer; a scrape says helpdesk_database_up 0', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const handle = connect(`postgres://postgres@127.0.0.1:${port}/helpdesk`, { onError: () => undefined });
    const { app } = await buildApp({ handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
    try {
      const started = Date.now();
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
      expect(Date.now() - started).toBeLessThan(HEALTH_TIMEOUT_MS + 2_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(HEALTH_TIMEOUT_MS - 50);
      // A scrape waits no longer, and says so.
      const scraped = await scrape(app);
      expect(scraped.statusCode).toBe(200);
      expect(sample(scraped.body, 'helpdesk_database_up')).toBe(0);
      expect(Date.now() - started).toBeLessThan(2 * HEALTH_TIMEOUT_MS + 2_000);
    } finally {
      await app.close();
      silent.close();
      await Promise.race([handle.destroy(), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  }, 30_000);

  it('says helpdesk_database_up 1 when it read them', async () => {
    const t = await startTestApp('sqlite');
    try {
      expect(sample((await scrape(t.app)).body, 'helpdesk_database_up')).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('cachedFor', () => {
  it('does not remember a failure: every waiting caller gets it, the next call reads again', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const read = cachedFor(clock, 5_000, async () => {
      calls++;
      if (calls === 1) throw new Error('database unreachable');
      return calls;
    });
    const failed = await Promise.allSettled([read(), read()]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('METRICS_TOKEN configuration', () => {
  const base = { SECRET_KEY: 'k'.repeat(32), DATABASE_URL: 'sqlite:./unused/helpdesk.sqlite' };
  it('refuses a token shorter than 16 characters, naming the key', () => {
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'short-token' })).toThrow(/^Configuration error: METRICS_TOKEN must be at least 16 characters$/);
  });
  it('takes a long enough token, and none by default', () => {
    expect(loadConfig({ ...base, METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig(base).metricsToken).toBeUndefined();
  });
});
