/**
 * Operations behind a balancer (issue 20 items 1–3): rate limits counted in the database are one
 * count for every process (3 real server processes on one PostgreSQL database), TRUST_PROXY decides
 * whose X-Forwarded-For names the client, and the flash cookie is Secure in production.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { countHit, readCheckWindow, reserveCheckOn, settleCheckOn, sweepEndedWindows } from '../../src/repositories/rateLimitCounts.js';
import { limitStoreFor } from '../../src/http/rateLimits.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { buildApp } from '../../src/http/app.js';
import { addStaff, Client, startTestApp, TEST_CONFIG, type TestApp } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const TICKET = { name: 'Carla', email: 'carla@example.com', title: 'Broken', description: 'It broke.', priority: 'low' };
const minute = 60_000;
const KEY = 'k'.repeat(32);

describe('settings', () => {
  it('TRUST_PROXY, API_PRESENCE_MINUTES and RATE_LIMIT_STORE are read, defaulted, and refused in one line when bad', () => {
    const defaults = loadConfig({ SECRET_KEY: KEY });
    expect([defaults.trustProxy, defaults.apiPresenceMinutes, defaults.rateLimitStore]).toEqual([false, 30, 'auto']);
    const set = loadConfig({ SECRET_KEY: KEY, TRUST_PROXY: '10.0.0.0/8, ::1', API_PRESENCE_MINUTES: '5', RATE_LIMIT_STORE: 'database' });
    expect([set.trustProxy, set.apiPresenceMinutes, set.rateLimitStore]).toEqual([['10.0.0.0/8', '::1'], 5, 'database']);
    expect(loadConfig({ SECRET_KEY: KEY, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(() => loadConfig({ SECRET_KEY: KEY, TRUST_PROXY: 'maybe' })).toThrow(/^Configuration error: TRUST_PROXY must be off, on, a hop count, or a comma-separated list .*not an address: maybe\)$/);
    expect(() => loadConfig({ SECRET_KEY: KEY, API_PRESENCE_MINUTES: '0' })).toThrow(/^Configuration error: API_PRESENCE_MINUTES /);
    expect(() => loadConfig({ SECRET_KEY: KEY, RATE_LIMIT_STORE: 'redis' })).toThrow(/^Configuration error: RATE_LIMIT_STORE /);
  });

  it('RATE_LIMIT_STORE=auto counts in the database on PostgreSQL and in memory on SQLite', () => {
    expect(limitStoreFor('auto', 'postgres')).toBe('database');
    expect(limitStoreFor('auto', 'sqlite')).toBe('memory');
    expect(limitStoreFor('database', 'sqlite')).toBe('database');
    expect(limitStoreFor('memory', 'postgres')).toBe('memory');
  });
});

for (const dialect of DIALECTS) {
  describe(`counting in the database (${dialect})`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
    });
    afterAll(() => database.drop());

    it('counts hits in a window, starts a new window once it has ended, and sweeps ended windows', async () => {
      const db = database.handle.db;
      const at = 1_000_000;
      expect(await countHit(db, 'a', at, minute)).toEqual({ count: 1, resetAt: at + minute });
      expect(await countHit(db, 'a', at + 10, minute)).toEqual({ count: 2, resetAt: at + minute });
      expect(await countHit(db, 'b', at + 20, minute)).toEqual({ count: 1, resetAt: at + 20 + minute });
      expect(await countHit(db, 'a', at + minute, minute)).toEqual({ count: 1, resetAt: at + 2 * minute });
      expect(await sweepEndedWindows(db, at + minute + 20)).toBe(1);
      expect((await db.selectFrom('rate_limit_counts').select('key').execute()).map((r) => r.key)).toEqual(['a']);
    });

    it('holds a sign-in check while failures and checks in flight are below max, gives it back or counts it, and starts again in a new window', async () => {
      const db = database.handle.db;
      const at = 3_000_000;
      const limit = { max: 2, windowMs: minute };
      expect(await readCheckWindow(db, 'r', at)).toBeNull();
      expect(await reserveCheckOn(db, 'r', at, limit)).toBe(at + minute);
      expect(await reserveCheckOn(db, 'r', at + 1, limit)).toBe(at + minute);
      // Two checks in flight fill a limit of 2: a third is not held, and nothing changes.
      expect(await reserveCheckOn(db, 'r', at + 2, limit)).toBeNull();
      expect(await readCheckWindow(db, 'r', at + 2)).toEqual({ failed: 0, held: 2, resetAt: at + minute });
      await settleCheckOn(db, 'r', at + minute, 'passed');
      await settleCheckOn(db, 'r', at + minute, 'failed');
      expect(await readCheckWindow(db, 'r', at + 3)).toEqual({ failed: 1, held: 0, resetAt: at + minute });
      // Never below zero; a settle naming another window changes nothing.
      await settleCheckOn(db, 'r', at + minute, 'passed');
      await settleCheckOn(db, 'r', at + 2 * minute, 'failed');
      expect(await readCheckWindow(db, 'r', at + 4)).toEqual({ failed: 1, held: 0, resetAt: at + minute });
      expect(await reserveCheckOn(db, 'r', at + 5, limit)).toBe(at + minute);
      await settleCheckOn(db, 'r', at + minute, 'failed');
      expect(await reserveCheckOn(db, 'r', at + 6, limit)).toBeNull();
      // Once the window has ended a reservation starts a new one; the old window's reservation is not given back into it.
      expect(await reserveCheckOn(db, 'r', at + minute, limit)).toBe(at + 2 * minute);
      await settleCheckOn(db, 'r', at + minute, 'failed');
      expect(await readCheckWindow(db, 'r', at + minute + 1)).toEqual({ failed: 0, held: 1, resetAt: at + 2 * minute });
      expect(await readCheckWindow(db, 'r', at + 2 * minute)).toBeNull();
    });

    it('of many simultaneous reservations of a sign-in check exactly max are held', async () => {
      const held = await Promise.all(Array.from({ length: 40 }, () => reserveCheckOn(database.handle.db, 'check-burst', 7_000_000, { max: 5, windowMs: minute })));
      expect(held.filter((resetAt) => resetAt !== null)).toEqual(Array(5).fill(7_000_000 + minute));
      expect(await readCheckWindow(database.handle.db, 'check-burst', 7_000_000)).toEqual({ failed: 0, held: 5, resetAt: 7_000_000 + minute });
    });

    it('counts every one of many simultaneous hits once', async () => {
      const hits = await Promise.all(Array.from({ length: 40 }, () => countHit(database.handle.db, 'burst', 5_000_000, minute)));
      expect(hits.map((h) => h.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });
  });
}

describe('TRUST_PROXY', () => {
  const limits = { loginPerAddress: { max: 3, windowMs: minute }, loginPerUsername: { max: 100, windowMs: minute }, ticketsPerAddress: { max: 2, windowMs: minute } };
  const create = (t: TestApp, remoteAddress: string, forwardedFor?: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET, remoteAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

  it('off (the default): a forged X-Forwarded-For changes nothing; the TCP peer is counted', async () => {
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: limits } });
    try {
      const statuses = [];
      for (const forged of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) statuses.push((await create(t, '10.9.0.1', forged)).statusCode);
      expect(statuses).toEqual([201, 201, 429]);
    } finally {
      await t.close();
    }
  });

  it('a hop count: the address the proxy in front names is the client, each counted apart; only the hop it adds is believed', async () => {
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: limits, trustProxy: 1 } });
    try {
      const statuses = [];
      for (const client of ['1.1.1.1', '2.2.2.2', '3.3.3.3', '1.1.1.1']) statuses.push((await create(t, '10.9.0.1', client)).statusCode);
      expect(statuses).toEqual([201, 201, 201, 201]);
      expect((await create(t, '10.9.0.1', '1.1.1.1')).statusCode).toBe(429);
      // Only the last hop is trusted: a limited client writing another address in front of its own
      // is still itself, and a client naming the limited one in front is not taken for it.
      expect((await create(t, '10.9.0.1', '9.9.9.9, 1.1.1.1')).statusCode).toBe(429);
      expect((await create(t, '10.9.0.1', '1.1.1.1, 3.3.3.3')).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });

  // Azure's gateways and IIS (ARR) write the client's source port into X-Forwarded-For: a new one per
  // connection, so each request was a new client to the limits (never reached) and the audit log.
  it('a port the proxy writes after the address is not part of it: limits and the audit log see the address', async () => {
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: limits, trustProxy: 1 } });
    try {
      const statuses = [];
      for (const client of ['198.51.100.20:50001', '198.51.100.20:50002', '198.51.100.20']) statuses.push((await create(t, '10.9.0.1', client)).statusCode);
      expect(statuses).toEqual([201, 201, 429]);
      const v6 = [];
      for (const client of ['[2001:db8::7]:443', '[2001:db8::7]:444', '2001:db8::7']) v6.push((await create(t, '10.9.0.1', client)).statusCode);
      expect(v6).toEqual([201, 201, 429]);
      const admin = await addStaff(t.ctx, 'root', { role: 'admin' });
      const { token } = await createApiToken(t.ctx, admin, 'ops');
      const patched = await new ApiClient(t.app, token).request('PATCH', '/api/v1/settings', { default_capacity: 7 }, { 'x-forwarded-for': '198.51.100.21:61000' });
      expect(patched.status).toBe(200);
      const entry = await t.ctx.handle.db.selectFrom('audit_log').select('address').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(entry.address).toBe('198.51.100.21');
    } finally {
      await t.close();
    }
  });

  it('a list of proxies: only requests from a listed proxy may name the client', async () => {
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: limits, trustProxy: ['10.9.0.1'] } });
    try {
      expect([(await create(t, '10.9.0.1', '4.4.4.4')).statusCode, (await create(t, '10.9.0.1', '5.5.5.5')).statusCode, (await create(t, '10.9.0.1', '6.6.6.6')).statusCode]).toEqual([201, 201, 201]);
      // Not a listed proxy: its header is ignored, so its requests count as its own address.
      expect([(await create(t, '10.9.0.2', '7.7.7.7')).statusCode, (await create(t, '10.9.0.2', '8.8.8.8')).statusCode, (await create(t, '10.9.0.2', '9.9.9.9')).statusCode]).toEqual([201, 201, 429]);
    } finally {
      await t.close();
    }
  });
});

// TRUST_PROXY=on believes the leftmost X-Forwarded-For entry, which the client writes: one that was
// no address at all became "the client's address", and a long one (a few kB of random text) made
// the limits' row key too long for PostgreSQL's index: a 500 for anyone who sent it.
for (const dialect of DIALECTS) {
  describe(`X-Forwarded-For entries that are no address (${dialect})`, () => {
    const limits = { loginPerAddress: { max: 2, windowMs: minute }, loginPerUsername: { max: 100, windowMs: minute }, ticketsPerAddress: { max: 2, windowMs: minute } };
    it('are not taken for the client: with TRUST_PROXY=on the next address in line is, here the TCP peer, never a 5xx', async () => {
      const t = await startTestApp(dialect, { config: { rateLimit: true, rateLimits: limits, trustProxy: true } });
      try {
        const statuses = [];
        for (const junk of [randomBytes(3000).toString('base64'), 'unknown', '<script>, 999.1.1.1']) {
          statuses.push((await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET, remoteAddress: '10.9.0.5', headers: { 'x-forwarded-for': junk } })).statusCode);
        }
        expect(statuses).toEqual([201, 201, 429]);
        // A real address among them is still the client.
        expect((await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: TICKET, remoteAddress: '10.9.0.5', headers: { 'x-forwarded-for': 'unknown, 198.51.100.30' } })).statusCode).toBe(201);
      } finally {
        await t.close();
      }
    });
  });
}

// Behind a proxy with TRUST_PROXY forgotten (the default), every client is the proxy's address: one
// person's wrong passwords lock every colleague out of signing in, and the ticket limit is shared by
// all customers. Nothing said so. The first request forwarded by a proxy on this machine or network now does, once.
describe('TRUST_PROXY off behind a proxy', () => {
  async function appLogging(trustProxy: false | number) {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const database = await freshDatabase('sqlite');
    const { app } = await buildApp({ handle: database.handle, clock: { now: () => Date.now() }, logger: { level: 'warn', stream }, config: { ...TEST_CONFIG, trustProxy } });
    const get = (remoteAddress: string, forwardedFor?: string) => app.inject({ method: 'GET', url: '/tickets/create/', remoteAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
    const warnings = () => lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 40).map((line) => line.msg);
    return { get, warnings, close: async () => (await app.close(), await database.drop()) };
  }

  it('is logged once, at the first request a proxy on this machine or network forwards', async () => {
    const t = await appLogging(false);
    try {
      await t.get('203.0.113.50', '198.51.100.1'); // a forged header straight from the internet: no proxy of ours
      await t.get('10.0.0.2');
      expect(t.warnings()).toEqual([]);
      await t.get('127.0.0.1', '198.51.100.1');
      await t.get('10.0.0.2', '198.51.100.2');
      expect(t.warnings()).toEqual([
        'requests come through a proxy (127.0.0.1 forwards X-Forwarded-For) but TRUST_PROXY is off: rate limits, logs and the audit log count every client as that proxy; set TRUST_PROXY (README: Operations)',
      ]);
    } finally {
      await t.close();
    }
  });

  it('is not logged when TRUST_PROXY is set', async () => {
    const t = await appLogging(1);
    try {
      await t.get('127.0.0.1', '198.51.100.1');
      expect(t.warnings()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('the flash cookie in production', () => {
  let t: TestApp;
  let alice: number;
  beforeAll(async () => {
    t = await startTestApp('sqlite', { config: { production: true } });
    await addStaff(t.ctx, 'root', { role: 'admin' });
    alice = await addStaff(t.ctx, 'alice');
  });
  afterAll(() => t.close());

  it('is Secure, HttpOnly and SameSite=Lax like the session cookie', async () => {
    const admin = new Client(t.app);
    await admin.login('root');
    const done = await admin.submit(`/admin/users/${alice}/`, { capacity: '3' }, `/admin/users/${alice}/capacity/`);
    expect(done.statusCode).toBe(303);
    const setCookies = [done.headers['set-cookie']].flat().filter((c): c is string => typeof c === 'string');
    const flash = setCookies.find((c) => c.startsWith('hd_flash='));
    expect(flash, setCookies.join('\n')).toBeDefined();
    expect(flash).toMatch(/; Secure/);
    expect(flash).toMatch(/; HttpOnly/);
    expect(flash).toMatch(/; SameSite=Lax/);
  });
});

describe('limits shared by three server processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase('postgres');
  });
  afterAll(() => database.drop());

  async function threeServers(env: Record<string, string>): Promise<ServerProcess[]> {
    return Promise.all([0, 1, 2].map(() => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'on', RATE_LIMIT_TICKETS: '5/1m', RATE_LIMIT_LOGIN: '4/1m', RATE_LIMIT_LOGIN_USERNAME: '100/1m', ...env })));
  }
  const createAt = (server: ServerProcess) => fetch(`${server.url}/api/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TICKET) });

  it('RATE_LIMIT_STORE=auto (the database): 12 creations from one address spread over 3 processes, exactly 5 accepted; the same for logins', async () => {
    const servers = await threeServers({});
    try {
      const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => createAt(servers[i % 3]!).then((r) => r.status)));
      expect(statuses.filter((s) => s === 201)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      const logins = [];
      for (let i = 0; i < 6; i++) {
        const server = servers[i % 3]!;
        const page = await fetch(`${server.url}/agents/login/`);
        const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
        const body = new URLSearchParams({ username: 'admin', password: 'wrong-password', _csrf: csrf });
        logins.push((await fetch(`${server.url}/agents/login/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body })).status);
      }
      expect(logins).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await Promise.all(servers.map((s) => s.kill()));
    }
  });

  it('RATE_LIMIT_STORE=memory: each process counts alone, so the same 12 creations are all accepted (what the database store prevents)', async () => {
    await database.handle.db.deleteFrom('rate_limit_counts').execute();
    const servers = await threeServers({ RATE_LIMIT_STORE: 'memory' });
    try {
      const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => createAt(servers[i % 3]!).then((r) => r.status)));
      expect(statuses.filter((s) => s === 201)).toHaveLength(12);
    } finally {
      await Promise.all(servers.map((s) => s.kill()));
    }
  });
});
