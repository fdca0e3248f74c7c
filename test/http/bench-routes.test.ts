import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Dialect } from '../../src/db/connect.js';
import { DIALECTS } from '../support/db.js';
import { changePresence } from '../../src/services/presence.js';
import { intakeTicket } from '../support/intake.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { eventually, schemaClient } from '../db/backends.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** The `Authorization` header of a new admin API token, as bench:intake sends it. */
async function adminBearer(t: TestApp): Promise<{ authorization: string }> {
  const admin = await addStaff(t.ctx, 'bench-admin', { role: 'admin' });
  return { authorization: `Bearer ${(await createApiToken(t.ctx, admin, 'bench')).token}` };
}

/** BENCH_ROUTES on, an admin `root`, and an available agent `ana` holding one ticket. */
async function agentHoldingATicket(dialect: Dialect): Promise<{ t: TestApp; agent: number }> {
  const t = await startTestApp(dialect, { config: { benchRoutes: true } });
  const agent = await addStaff(t.ctx, 'ana', { capacity: 5 });
  await changePresence(t.ctx, agent, 'available');
  await addStaff(t.ctx, 'root', { role: 'admin' });
  await intakeTicket(t.ctx, { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' });
  return { t, agent };
}

for (const dialect of DIALECTS) {
  describe(`benchmark baseline route (${dialect})`, () => {
    it('does not exist unless BENCH_ROUTES is on, and then creates no table', async () => {
      const t = await startTestApp(dialect);
      try {
        const response = await t.app.inject({ method: 'POST', url: '/bench/scratch/', payload: 'title=x', headers: FORM });
        expect(response.statusCode).toBe(404);
        expect((await t.app.inject({ method: 'POST', url: '/bench/close-assigned/' })).statusCode).toBe(404);
        expect((await t.app.inject({ method: 'POST', url: '/bench/heap/', headers: await adminBearer(t) })).statusCode).toBe(404);
        await expect(sql`select count(*) from bench_scratch`.execute(t.ctx.handle.db)).rejects.toThrow(/bench_scratch/);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, inserts one row per POST carrying the form\'s CSRF token and answers 303, like the ticket form', async () => {
      const t = await startTestApp(dialect, { config: { benchRoutes: true } });
      try {
        // Like the ticket form: the CSRF cookie and the token of the form the visitor was given, nobody's identity.
        const page = await t.app.inject({ method: 'GET', url: '/tickets/create/' });
        const form = { cookie: page.cookies.map((c) => `${c.name}=${c.value}`).join('; '), csrf: csrfFrom(page.body) };
        expect((await t.app.inject({ method: 'POST', url: '/bench/scratch/', payload: 'title=forged', headers: { ...FORM, cookie: form.cookie } })).statusCode).toBe(403);
        for (const title of ['one', 'two']) {
          const response = await t.app.inject({ method: 'POST', url: '/bench/scratch/', payload: `title=${title}&_csrf=${encodeURIComponent(form.csrf)}`, headers: { ...FORM, cookie: form.cookie } });
          expect(response.statusCode).toBe(303);
        }
        const { rows } = await sql<{ payload: string }>`select payload from bench_scratch order by id`.execute(t.ctx.handle.db);
        expect(rows.map((r) => r.payload)).toEqual(['one', 'two']);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, closes every assigned open ticket and leaves the queue alone', async () => {
      const t = await startTestApp(dialect, { config: { benchRoutes: true } });
      try {
        const agent = await addStaff(t.ctx, 'ana', { capacity: 1 });
        await changePresence(t.ctx, agent, 'available');
        const form = { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' };
        const [held, waiting] = [await intakeTicket(t.ctx, form), await intakeTicket(t.ctx, form)];
        expect([held.agent_id, waiting.agent_id]).toEqual([agent, null]);
        expect((await t.app.inject({ method: 'POST', url: '/bench/close-assigned/', headers: await adminBearer(t) })).statusCode).toBe(204);
        const rows = await t.ctx.handle.db.selectFrom('tickets').select(['id', 'status']).orderBy('id').execute();
        expect(rows.map((r) => r.status)).toEqual(['closed', 'open']);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, answers an admin token the memory in use after a collection, when node exposes one', async () => {
      const t = await startTestApp(dialect, { config: { benchRoutes: true } });
      try {
        const response = await t.app.inject({ method: 'POST', url: '/bench/heap/', headers: await adminBearer(t) });
        expect(response.statusCode).toBe(200);
        const body = response.json<Record<string, unknown>>();
        expect(Object.keys(body).sort()).toEqual(['arrayBuffers', 'before', 'external', 'gc', 'heapTotal', 'heapUsed', 'rss']);
        expect(body.gc).toBe(typeof (globalThis as { gc?: unknown }).gc === 'function');
        for (const key of ['heapUsed', 'heapTotal', 'external', 'arrayBuffers', 'rss']) expect(body[key], key).toBeGreaterThan(0);
        expect(body.heapUsed as number).toBeLessThanOrEqual(body.heapTotal as number);
        const before = body.before as Record<string, unknown>;
        expect(Object.keys(before).sort()).toEqual(['external', 'heapTotal', 'heapUsed', 'rss']);
        for (const key of ['heapUsed', 'heapTotal', 'external', 'rss']) expect(before[key], `before.${key}`).toBeGreaterThan(0);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, refuses anyone but an admin the bulk close and the heap figures, and changes nothing', async () => {
      const { t, agent } = await agentHoldingATicket(dialect);
      try {
        const agentToken = (await createApiToken(t.ctx, agent, 'script')).token;
        const agentSession = new Client(t.app);
        await agentSession.login('ana');
        const adminSession = new Client(t.app);
        await adminSession.login('root');
        const csrf = csrfFrom((await agentSession.get('/tickets/create/')).body);
        const inject = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'POST', url, payload: 'title=x', headers: { ...FORM, ...headers } });
        for (const url of ['/bench/close-assigned/', '/bench/heap/']) {
          const attempts: [string, () => Promise<{ statusCode: number; headers: Record<string, unknown> }>, number][] = [
            ['anonymous', () => inject(url), 401],
            ['an unknown token', () => inject(url, { authorization: 'Bearer hd_nope' }), 401],
            ['a malformed Authorization', () => inject(url, { authorization: 'Basic cm9vdDpwYXNzd29yZDEyMw==' }), 401],
            ["an agent's token", () => inject(url, { authorization: `Bearer ${agentToken}` }), 403],
            ["an agent's session with its CSRF token", () => agentSession.post(url, { title: 'x', _csrf: csrf }), 403],
            // A cookie alone could be sent by another site's form: an admin session needs the CSRF token too.
            ["an admin's session without a CSRF token", () => adminSession.post(url, { title: 'x' }), 403],
          ];
          for (const [who, attempt, status] of attempts) {
            const response = await attempt();
            expect(response.statusCode, `${url} as ${who}`).toBe(status);
            if (status === 401) expect(response.headers['www-authenticate'], `${url} as ${who}`).toMatch(/^Bearer/);
          }
        }
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from bench_scratch`.execute(t.ctx.handle.db);
        expect(Number(rows[0]!.n)).toBe(0);
        expect(await t.ctx.handle.db.selectFrom('tickets').select(['status', 'agent_id']).execute()).toEqual([{ status: 'open', agent_id: agent }]);
      } finally {
        await t.close();
      }
    });

    it('with BENCH_ROUTES on, an admin session with its CSRF token passes', async () => {
      const { t } = await agentHoldingATicket(dialect);
      try {
        const admin = new Client(t.app);
        await admin.login('root');
        expect((await admin.submit('/tickets/create/', { title: 'from a browser' }, '/bench/scratch/')).statusCode).toBe(303);
        expect((await admin.submit('/tickets/create/', {}, '/bench/close-assigned/')).statusCode).toBe(204);
        const { rows } = await sql<{ payload: string }>`select payload from bench_scratch`.execute(t.ctx.handle.db);
        expect(rows.map((r) => r.payload)).toEqual(['from a browser']);
        expect((await t.ctx.handle.db.selectFrom('tickets').select('status').execute()).map((r) => r.status)).toEqual(['closed']);
      } finally {
        await t.close();
      }
    });
  });
}

describe('BENCH_ROUTES configuration', () => {
  const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };
  it('is off by default and on only when asked', () => {
    expect(loadConfig(base).benchRoutes).toBe(false);
    expect(loadConfig({ ...base, BENCH_ROUTES: 'on' }).benchRoutes).toBe(true);
  });
  it('is refused in production', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production', BENCH_ROUTES: 'on' })).toThrow(/^Configuration error: BENCH_ROUTES /);
  });
});

describe('the bulk close caught in a deadlock (postgres)', () => {
  it('is run again as a whole, like the product’s own transactions, and answers 204 rather than a 500', async () => {
    const t = await startTestApp('postgres', { config: { benchRoutes: true } });
    const other = await schemaClient(t.database.url);
    const watcher = await schemaClient(t.database.url);
    try {
      const agent = await addStaff(t.ctx, 'ana', { capacity: 5 });
      await changePresence(t.ctx, agent, 'available');
      const form = { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' };
      const [first, second] = [await intakeTicket(t.ctx, form), await intakeTicket(t.ctx, form)];
      const headers = await adminBearer(t);
      // Another writer holds the second ticket and, once the close waits for it, asks for the first
      // (which the close holds): a cycle. Its own long deadlock_timeout makes the close the victim.
      await other.query(`set deadlock_timeout = '60s'`);
      await other.query('begin');
      await other.query('select id from tickets where id = $1 for update', [second.id]);
      const pid = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const closing = t.app.inject({ method: 'POST', url: '/bench/close-assigned/', headers });
      await eventually(async () => (await watcher.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid])).rows[0]!.n === 1, 'the close to wait for the second ticket');
      await other.query('select id from tickets where id = $1 for update', [first.id]);
      await other.query('commit');
      expect((await closing).statusCode).toBe(204);
      const rows = await t.ctx.handle.db.selectFrom('tickets').select('status').where('id', 'in', [first.id, second.id]).execute();
      expect(rows.map((r) => r.status)).toEqual(['closed', 'closed']);
    } finally {
      await watcher.end();
      await other.end();
      await t.close();
    }
  });
});
