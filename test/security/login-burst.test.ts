/**
 * The sign-in limits hold against a burst of simultaneous guesses (README "Limits we know of" used
 * to admit otherwise): a check is reserved before a password or code is checked, so of any number
 * of sign-ins sent at once at most `max` are checked and fail; right passwords still count nothing.
 * Real HTTP requests (Promise.all) to an app on a port, on SQLite (limits counted in memory) and
 * PostgreSQL (in the database), and to three server processes sharing one PostgreSQL database.
 */
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitStoreFor } from '../../src/http/rateLimits.js';
import type { Db } from '../../src/db/connect.js';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { HttpClient } from '../support/load.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const minute = 60_000;
const RIGHT = 'password123';
const WRONG = 'wrong-password';

/** How many answers had each status: `{ 401: 5, 429: 35 }`. */
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * A browser at `url` holding the login form's CSRF cookie and token, with `connections` open to the
 * server (the form fetched that many times at once): a burst sent next then arrives at once,
 * instead of one request per new connection.
 */
async function atLoginForm(url: string, connections = 1): Promise<{ browser: HttpClient; csrf: string }> {
  const browser = new HttpClient(url);
  const csrf = await browser.csrf('/agents/login/');
  await Promise.all(Array.from({ length: connections - 1 }, () => browser.get('/agents/login/')));
  return { browser, csrf };
}

/** Sends one sign-in per password, all at once (from one browser's cookies): the statuses, in order. */
async function burst(url: string, username: string, passwords: string[]): Promise<number[]> {
  const { browser, csrf } = await atLoginForm(url, passwords.length);
  const answers = await Promise.all(passwords.map((password) => browser.request('POST', '/agents/login/', { form: { username, password, _csrf: csrf } })));
  for (const answer of answers.filter((a) => a.status === 429)) expect(answer.text).toContain('Too many login attempts in a short time. Please wait');
  return answers.map((a) => a.status);
}

/** The failed sign-ins written for `username` (one per password or code that was checked and wrong). */
async function failuresOf(db: Db, username: string, step: 'password' | 'second_factor' = 'password'): Promise<number> {
  const rows = await db.selectFrom('audit_log').select('after_json').where('action', '=', 'sign_in.failed').where('subject', '=', username).execute();
  return rows.filter((r) => JSON.parse(r.after_json ?? '{}').step === step).length;
}

for (const dialect of DIALECTS) {
  describe(`a burst of simultaneous sign-ins (${dialect}: limits counted in ${limitStoreFor('auto', dialect)})`, () => {
    // Per username 5 a minute, the address's limit out of the way (every request comes from 127.0.0.1) …
    let perUsername: TestApp;
    let perUsernameUrl: string;
    // … and per address 10 a minute, with the username's out of the way.
    let perAddress: TestApp;
    let perAddressUrl: string;
    const start = async (loginPerAddress: number, loginPerUsername: number) => {
      const t = await startTestApp(dialect, {
        config: {
          rateLimit: true,
          rateLimits: { loginPerAddress: { max: loginPerAddress, windowMs: minute }, loginPerUsername: { max: loginPerUsername, windowMs: minute }, ticketsPerAddress: { max: 30, windowMs: minute } },
        },
      });
      return { t, url: await listenOnFreePort(t) };
    };
    beforeAll(async () => {
      ({ t: perUsername, url: perUsernameUrl } = await start(1000, 5));
      ({ t: perAddress, url: perAddressUrl } = await start(10, 1000));
    });
    afterAll(async () => {
      await perUsername?.close();
      await perAddress?.close();
    });

    it('40 wrong passwords for one username at once: 5 are checked, 35 refused unchecked; then even the right one is refused', async () => {
      await addStaff(perUsername.ctx, 'alice');
      expect(tally(await burst(perUsernameUrl, 'alice', Array(40).fill(WRONG)))).toEqual({ 401: 5, 429: 35 });
      expect(await failuresOf(perUsername.ctx.handle.db, 'alice')).toBe(5);
      expect(await burst(perUsernameUrl, 'Alice', [RIGHT])).toEqual([429]);
    });

    it('30 right passwords for one username at once all sign in (a passed check counts nothing); failures after them still count to 5', async () => {
      await addStaff(perUsername.ctx, 'bob');
      expect(tally(await burst(perUsernameUrl, 'bob', Array(30).fill(RIGHT)))).toEqual({ 303: 30 });
      expect(tally(await burst(perUsernameUrl, 'bob', Array(8).fill(WRONG)))).toEqual({ 401: 5, 429: 3 });
    });

    it('right and wrong mixed, fewer wrong than the limit: every right one signs in, every wrong one is checked', async () => {
      await addStaff(perUsername.ctx, 'cyd');
      const passwords = Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? WRONG : RIGHT));
      const statuses = await burst(perUsernameUrl, 'cyd', passwords);
      expect(statuses).toEqual(passwords.map((p) => (p === RIGHT ? 303 : 401)));
    });

    it('right and wrong mixed, more wrong than the limit: exactly 5 wrong are checked; a right one checked before the fifth failure signs in, the rest are refused', async () => {
      await addStaff(perUsername.ctx, 'dee');
      const passwords = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? WRONG : RIGHT));
      const statuses = await burst(perUsernameUrl, 'dee', passwords);
      const wrong = tally(statuses.filter((_, i) => passwords[i] === WRONG));
      const right = tally(statuses.filter((_, i) => passwords[i] === RIGHT));
      expect(wrong[401]).toBe(5);
      expect((wrong[401] ?? 0) + (wrong[429] ?? 0)).toBe(10);
      expect((right[303] ?? 0) + (right[429] ?? 0)).toBe(10);
      expect(await failuresOf(perUsername.ctx.handle.db, 'dee')).toBe(5);
    });

    it('wrong second-step codes at once: 5 are checked, the rest refused unchecked', async () => {
      const fay = await addStaff(perUsername.ctx, 'fay');
      await perUsername.ctx.handle.db.updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', fay).execute();
      const { browser, csrf } = await atLoginForm(perUsernameUrl, 30);
      expect((await browser.request('POST', '/agents/login/', { form: { username: 'fay', password: RIGHT, _csrf: csrf } })).location).toBe('/agents/login/two-factor/');
      const stepCsrf = await browser.csrf('/agents/login/two-factor/');
      const answers = await Promise.all(Array.from({ length: 30 }, () => browser.request('POST', '/agents/login/two-factor/', { form: { code: '000000', _csrf: stepCsrf } })));
      expect(tally(answers.map((a) => a.status))).toEqual({ 401: 5, 429: 25 });
      expect(answers.find((a) => a.status === 429)!.text).toContain('Too many codes in a short time. Please wait');
      expect(await failuresOf(perUsername.ctx.handle.db, 'fay', 'second_factor')).toBe(5);
    });

    it('30 staff behind one address (limit 10) all sign in at once; 14 wrong guesses at once from there then get 10 checks', async () => {
      const team = Array.from({ length: 30 }, (_, i) => `office${i}`);
      for (const username of team) await addStaff(perAddress.ctx, username);
      const { browser, csrf } = await atLoginForm(perAddressUrl, team.length);
      const answers = await Promise.all(team.map((username) => browser.request('POST', '/agents/login/', { form: { username, password: RIGHT, _csrf: csrf } })));
      expect(tally(answers.map((a) => a.status))).toEqual({ 303: 30 });
      // A browser that signed in has a new CSRF secret (forms.ts forgetCsrfSecret): the guesses come from a fresh form.
      const guesser = await atLoginForm(perAddressUrl, 14);
      const guesses = await Promise.all(team.slice(0, 14).map((username) => guesser.browser.request('POST', '/agents/login/', { form: { username, password: WRONG, _csrf: guesser.csrf } })));
      expect(tally(guesses.map((a) => a.status))).toEqual({ 401: 10, 429: 4 });
    });
  });
}

describe('a burst spread over three server processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    servers = await Promise.all(
      [0, 1, 2].map(() => spawnServer({ DATABASE_URL: database.url, ADMIN_PASSWORD: RIGHT, RATE_LIMIT: 'on', RATE_LIMIT_LOGIN: '1000/1m', RATE_LIMIT_LOGIN_USERNAME: '5/1m' })),
    );
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill()));
    await database?.drop();
  });

  /** One sign-in as `admin` per password, all at once, the i-th to the (i mod 3)-th process. */
  async function spread(passwords: string[]): Promise<number[]> {
    const forms = await Promise.all(servers.map((s) => atLoginForm(s.url, Math.ceil(passwords.length / servers.length))));
    return Promise.all(
      passwords.map(async (password, i) => {
        const { browser, csrf } = forms[i % forms.length]!;
        return (await browser.request('POST', '/agents/login/', { form: { username: 'admin', password, _csrf: csrf } })).status;
      }),
    );
  }

  it('12 right passwords at once all sign in; then of 30 wrong ones at once, 5 are checked in all', async () => {
    expect(tally(await spread(Array(12).fill(RIGHT)))).toEqual({ 303: 12 });
    expect(tally(await spread(Array(30).fill(WRONG)))).toEqual({ 401: 5, 429: 25 });
    expect(await failuresOf(database.handle.db, 'admin')).toBe(5);
    expect(await spread([RIGHT, RIGHT, RIGHT])).toEqual([429, 429, 429]);
  });
});
