/**
 * Device cookies (README "Limits we know of" used to admit that a per-username login limit lets
 * anyone who knows a username keep it locked out by failing on purpose): a browser that completed a
 * sign-in counts its later failures for that username in a bucket of its own, so the person still
 * signs in from it while someone else fills the username's shared bucket; a browser without a
 * valid entry for the username (none, forged, another username's, a changed nonce) counts in the
 * shared one as before. A new password (on My account, by an admin, through a reset link) retires
 * every entry of the account: a copy of one made before counts in the shared bucket. Real HTTP to an app on a port behind a trusted proxy (the attacker's
 * addresses come in X-Forwarded-For), on SQLite (limits counted in memory) and PostgreSQL (in the
 * database), and to three server processes sharing one PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitStoreFor } from '../../src/http/rateLimits.js';
import { insertPasswordReset } from '../../src/repositories/passwordResets.js';
import { resetLinkPath } from '../../src/services/accounts.js';
import { sessionIdOf } from '../../src/services/auth.js';
import { addStaff, Client, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { HttpClient } from '../support/load.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const minute = 60_000;
const RIGHT = 'password123';
const WRONG = 'wrong-password';
const NEW = 'a brand new password';
const DEVICE = 'hd_device';

/** A browser at `url`; from `address` behind the trusted proxy, else the test's own 127.0.0.1. */
const browserAt = (url: string, address?: string) => new HttpClient(url, address ? { 'x-forwarded-for': address } : {});

/** Signs in through the form: the answer's status (303 in, 401 wrong, 429 refused unchecked). */
async function signIn(browser: HttpClient, username: string, password: string): Promise<number> {
  const csrf = await browser.csrf('/agents/login/');
  const answer = await browser.request('POST', '/agents/login/', { form: { username, password, _csrf: csrf } });
  if (answer.status === 429) expect(answer.text).toContain('Too many login attempts in a short time. Please wait');
  return answer.status;
}

/** Logs the browser out (its device cookie stays: remembering the browser is the point). */
async function logOut(browser: HttpClient): Promise<void> {
  const csrf = await browser.csrf('/agents/account/');
  expect((await browser.request('POST', '/agents/logout/', { form: { _csrf: csrf } })).status).toBe(303);
  expect(browser.cookie('hd_session')).toBeUndefined();
}

/** One wrong password for `username` from each of `count` addresses (someone else failing on purpose): the statuses. */
async function failFromElsewhere(urls: string[], username: string, count: number, first = 1): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await signIn(browserAt(urls[i % urls.length]!, `203.0.113.${first + i}`), username, WRONG));
  return statuses;
}

/** Posts `form` with the CSRF token of the page at `page` (to `action`, default the page): the status. */
async function submit(browser: HttpClient, page: string, form: Record<string, string>, action = page): Promise<number> {
  const csrf = await browser.csrf(page);
  return (await browser.request('POST', action, { form: { ...form, _csrf: csrf } })).status;
}

/** A browser at `url` holding `cookie` as its device cookie (copied, or altered). */
function holding(url: string, cookie: string): HttpClient {
  const browser = browserAt(url);
  browser.setCookie(DEVICE, cookie);
  return browser;
}

/** The cookie with one character of an entry's field changed (`field`: 1 the nonce, 3 the MAC). */
function altered(cookie: string, field: 1 | 3): string {
  const parts = cookie.split('!');
  const text = parts[field]!;
  parts[field] = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
  return parts.join('!');
}

for (const dialect of DIALECTS) {
  describe(`device cookies (${dialect}: limits counted in ${limitStoreFor('auto', dialect)})`, () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      t = await startTestApp(dialect, {
        config: {
          rateLimit: true,
          trustProxy: ['127.0.0.1'],
          // Per username 5 a minute; per address 20, so the person's own failures meet the username's limit first.
          rateLimits: { loginPerAddress: { max: 20, windowMs: minute }, loginPerUsername: { max: 5, windowMs: minute }, ticketsPerAddress: { max: 30, windowMs: minute } },
        },
      });
      url = await listenOnFreePort(t);
    });
    afterAll(() => t?.close());

    it('someone failing on purpose from elsewhere fills the username’s limit; the person still signs in from a browser they signed in with, a browser without it is refused', async () => {
      await addStaff(t.ctx, 'alice');
      const home = browserAt(url);
      expect(await signIn(home, 'alice', RIGHT)).toBe(303);
      expect(home.cookie(DEVICE)).toMatch(/^alice!/);
      await logOut(home);
      expect(home.cookie(DEVICE)).toMatch(/^alice!/);

      expect(await failFromElsewhere([url], 'alice', 5)).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(browserAt(url, '203.0.113.99'), 'alice', RIGHT)).toBe(429);
      // The person's new browser, from the person's own address: the shared bucket is full.
      expect(await signIn(browserAt(url), 'Alice', RIGHT)).toBe(429);

      expect(await signIn(home, 'Alice', RIGHT)).toBe(303);
      expect((await home.get('/agents/dashboard/')).status).toBe(200);
    });

    it('with a second factor: only the complete sign-in remembers the browser, and both steps then count in its own bucket', async () => {
      const fay = await addStaff(t.ctx, 'fay');
      const secret = new Secret({ size: 20 }).base32;
      await t.ctx.handle.db.updateTable('users').set({ totp_secret: secret }).where('id', '=', fay).execute();
      const code = (ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });
      const secondStep = async (browser: HttpClient, typed: string) => {
        const csrf = await browser.csrf('/agents/login/two-factor/');
        return (await browser.request('POST', '/agents/login/two-factor/', { form: { code: typed, _csrf: csrf } })).status;
      };
      const home = browserAt(url);
      expect(await signIn(home, 'fay', RIGHT)).toBe(303);
      expect(home.cookie(DEVICE)).toBeUndefined();
      // A code of the step before (accepted for drift), so that the next sign-in's current one is newer.
      expect(await secondStep(home, code(Date.now() - 30_000))).toBe(303);
      expect(home.cookie(DEVICE)).toMatch(/^fay!/);
      await logOut(home);

      expect(await failFromElsewhere([url], 'fay', 5, 20)).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(home, 'fay', RIGHT)).toBe(303);
      expect(await secondStep(home, code(Date.now()))).toBe(303);
      expect((await home.get('/agents/dashboard/')).status).toBe(200);
    });

    it('a forged MAC, a changed nonce and another username’s cookie each count in the username’s shared bucket', async () => {
      await addStaff(t.ctx, 'bob');
      await addStaff(t.ctx, 'cyd');
      const bobHome = browserAt(url);
      expect(await signIn(bobHome, 'bob', RIGHT)).toBe(303);
      const cydHome = browserAt(url);
      expect(await signIn(cydHome, 'cyd', RIGHT)).toBe(303);
      const bobs = bobHome.cookie(DEVICE)!;
      const cyds = cydHome.cookie(DEVICE)!;
      const counterfeits = [altered(bobs, 3), altered(bobs, 1), cyds];
      expect(counterfeits.every((c) => c !== bobs)).toBe(true);

      // Five failures from browsers holding them fill bob's shared bucket …
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await signIn(holding(url, counterfeits[i % 3]!), 'bob', WRONG));
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(browserAt(url), 'bob', RIGHT)).toBe(429);
      for (const counterfeit of counterfeits) expect(await signIn(holding(url, counterfeit), 'bob', RIGHT)).toBe(429);
      // … and none of them touched bob's own browser's bucket, nor cyd's.
      await logOut(bobHome);
      expect(await signIn(bobHome, 'bob', RIGHT)).toBe(303);
      expect(await signIn(browserAt(url), 'cyd', RIGHT)).toBe(303);
    });

    it('wrong passwords from a remembered browser are limited at max in its own bucket; the shared bucket is untouched by them', async () => {
      await addStaff(t.ctx, 'dee');
      const home = browserAt(url);
      expect(await signIn(home, 'dee', RIGHT)).toBe(303);
      await logOut(home);
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push(await signIn(home, 'dee', WRONG));
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      expect(await signIn(home, 'dee', RIGHT)).toBe(429);
      // The same cookie in another browser (stolen) is the same bucket: used up.
      expect(await signIn(holding(url, home.cookie(DEVICE)!), 'dee', RIGHT)).toBe(429);
      expect(await signIn(browserAt(url), 'dee', RIGHT)).toBe(303);
    });

    /**
     * A new password set by `change` retires the account's remembered browsers: `stolen`, a copy
     * of the cookie `home` held before (the browser as it was), counts in the shared bucket, and
     * is refused while someone else keeps that full; `home`'s own complete sign-in with the new
     * password gave it a fresh entry, which counts in its own bucket again.
     */
    async function expectRetiredBy(username: string, firstAddress: number, change: (home: HttpClient, id: number) => Promise<void>) {
      const id = await addStaff(t.ctx, username);
      const home = browserAt(url);
      expect(await signIn(home, username, RIGHT)).toBe(303);
      const stolen = holding(url, home.cookie(DEVICE)!);
      await change(home, id);
      expect(await signIn(home, username, NEW)).toBe(303);
      expect(home.cookie(DEVICE)).not.toBe(stolen.cookie(DEVICE));
      await logOut(home);

      expect(await failFromElsewhere([url], username, 5, firstAddress)).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(browserAt(url), username, NEW)).toBe(429);
      expect(await signIn(stolen, username, NEW)).toBe(429);
      expect(await signIn(home, username, NEW)).toBe(303);
      expect((await home.get('/agents/dashboard/')).status).toBe(200);
    }

    it('a new password on My account retires the browsers remembered for the account, the one that changed it too', async () => {
      await expectRetiredBy('ivy', 40, async (home) => {
        expect(await submit(home, '/agents/account/', { display_name: 'Ivy', email: 'ivy@team.test', current_password: RIGHT, password: NEW, password_confirm: NEW })).toBe(303);
        // Still signed in here (only the other sessions ended), but its entry is of the old password.
        await logOut(home);
      });
    });

    it('a new password set by an admin on the user’s page retires them', async () => {
      await addStaff(t.ctx, 'kim', { role: 'admin' });
      const admin = browserAt(url);
      expect(await signIn(admin, 'kim', RIGHT)).toBe(303);
      await expectRetiredBy('jon', 50, async (home, id) => {
        await logOut(home);
        expect(await submit(admin, `/admin/users/${id}/`, { display_name: 'Jon', email: 'jon@team.test', password: NEW }, `/admin/users/${id}/profile/`)).toBe(303);
      });
    });

    it('a new password set through a reset link retires them', async () => {
      await expectRetiredBy('lou', 60, async (home, id) => {
        await logOut(home);
        // The link as mailed (test/http/password-reset.test.ts follows the mail itself).
        const token = randomBytes(32).toString('base64url');
        const now = t.ctx.clock.now();
        await insertPasswordReset(t.ctx.handle.db, { userId: id, tokenHash: sessionIdOf(token), now, expiresAt: now + 30 * minute });
        expect(await submit(browserAt(url), resetLinkPath(token), { password: NEW, password_confirm: NEW })).toBe(303);
      });
    });

    it('the sign-in that replaces an old hash of the same password leaves an entry that counts under the new one', async () => {
      const id = await addStaff(t.ctx, 'max');
      // Made with other settings than new hashes have (passwords.ts needsRehash): the sign-in replaces it.
      const old = await argon2.hash(RIGHT, { type: argon2.argon2id, memoryCost: 2048, timeCost: 1, parallelism: 1 });
      const hashOf = async () => (await t.ctx.handle.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;
      await t.ctx.handle.db.updateTable('users').set({ password_hash: old }).where('id', '=', id).execute();
      const home = browserAt(url);
      expect(await signIn(home, 'max', RIGHT)).toBe(303);
      expect(await hashOf()).not.toBe(old);
      await logOut(home);
      expect(await failFromElsewhere([url], 'max', 5, 70)).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(home, 'max', RIGHT)).toBe(303);
    });

    it('a deactivated account’s remembered browser counts in the shared bucket', async () => {
      const id = await addStaff(t.ctx, 'ned');
      const home = browserAt(url);
      expect(await signIn(home, 'ned', RIGHT)).toBe(303);
      await logOut(home);
      await t.ctx.handle.db.updateTable('users').set({ active: 0 }).where('id', '=', id).execute();
      expect(await failFromElsewhere([url], 'ned', 5, 80)).toEqual([401, 401, 401, 401, 401]);
      expect(await signIn(home, 'ned', RIGHT)).toBe(429);
    });

    it('the cookie: HttpOnly, SameSite=Lax, sent under /agents/ only, for a year; one browser keeps an entry per account, newest first', async () => {
      await addStaff(t.ctx, 'gil');
      await addStaff(t.ctx, 'hal');
      const client = new Client(t.app);
      const login = await client.login('gil');
      expect(login.statusCode).toBe(303);
      const cookie = (login.cookies as { name: string; httpOnly?: boolean; sameSite?: string; secure?: boolean; path?: string; maxAge?: number }[]).find((c) => c.name === DEVICE);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/agents/', maxAge: 365 * 24 * 60 * 60 });
      expect(cookie!.secure).toBeFalsy();
      await client.submit('/agents/account/', {}, '/agents/logout/');
      expect((await client.login('hal')).statusCode).toBe(303);
      expect(client.cookie(DEVICE)!.split('~').map((entry) => entry.split('!')[0])).toEqual(['hal', 'gil']);
    });
  });
}

describe('a device’s bucket spread over three server processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: RIGHT, RATE_LIMIT: 'on', TRUST_PROXY: '127.0.0.1', RATE_LIMIT_LOGIN: '100/1m', RATE_LIMIT_LOGIN_USERNAME: '5/1m' };
    servers = await Promise.all([0, 1, 2].map(() => spawnServer(env)));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await database?.drop();
  });

  it('a cookie one process gave is honoured by the others, and its failures are one count for all of them', async () => {
    const urls = servers.map((s) => s.url);
    const home = browserAt(urls[0]!);
    expect(await signIn(home, 'admin', RIGHT)).toBe(303);
    const cookie = home.cookie(DEVICE)!;
    expect(cookie).toMatch(/^admin!/);
    expect(await failFromElsewhere(urls, 'admin', 5)).toEqual([401, 401, 401, 401, 401]);
    for (const u of urls) expect(await signIn(browserAt(u), 'admin', RIGHT)).toBe(429);
    const third = holding(urls[2]!, cookie);
    expect(await signIn(third, 'admin', RIGHT)).toBe(303);
    // Each complete sign-in gives the browser a fresh entry (a new nonce): its own bucket from now on.
    const fresh = third.cookie(DEVICE)!;
    expect(fresh).not.toBe(cookie);
    await logOut(third);

    // The same browser behind a balancer reaches each process in turn.
    const homeAt = urls.map((u) => holding(u, fresh));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await signIn(homeAt[i % 3]!, 'admin', WRONG));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    for (const browser of homeAt) expect(await signIn(browser, 'admin', RIGHT)).toBe(429);
  });
});
