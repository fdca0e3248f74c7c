/**
 * Sessions after a credential change (SPEC §15; README "Sessions after a credential change"): a
 * new password (one's own, a reset link's), two-factor turned on or off, new recovery codes, an
 * admin's reset of the second factor and a deactivation each end the account's OTHER browser
 * sessions — whoever was in with what changed is out — while the browser that made its own change
 * stays signed in. API tokens are credentials of their own, which the account's owner and admins
 * manage on the user's page: they keep working through all of it, except a deactivation, which
 * revokes them.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPasswordReset } from '../../src/repositories/passwordResets.js';
import { findUserById } from '../../src/repositories/users.js';
import { sessionIdOf } from '../../src/services/auth.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, secretOf } from '../support/totp.js';

const STEP = 30_000;

for (const dialect of DIALECTS) {
  describe(`sessions after a credential change (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
    let root: Client;
    const db = () => t.ctx.handle.db;

    /** Whether the browser is still signed in (its account page, or the login page). */
    const signedIn = async (client: Client) => (await client.get('/agents/account/')).statusCode === 200;
    /** Whether the API token still works. */
    const tokenWorks = async (api: ApiClient) => (await api.get('/api/v1/tickets')).status === 200;

    /** A fresh agent with its API token, signed in from `browsers` browsers (with its code once two-factor is on: `secret`). */
    async function agent(username: string, browsers: number) {
      const id = await addStaff(t.ctx, username);
      const api = new ApiClient(t.app, (await createApiToken(t.ctx, id, `${username}'s script`)).token);
      const clients: Client[] = [];
      for (let i = 0; i < browsers; i++) clients.push(await signIn(username));
      return { id, api, clients };
    }

    async function signIn(username: string, secret: string | null = null, password = 'password123'): Promise<Client> {
      const client = new Client(t.app);
      const answer = await client.login(username, password);
      expect(answer.statusCode).toBe(303);
      if (secret !== null) {
        clock.advance(STEP);
        expect((await client.submit('/agents/login/two-factor/', { code: codeAt(secret, clock.now()) })).statusCode).toBe(303);
      }
      expect(await signedIn(client)).toBe(true);
      return client;
    }

    /** Turns two-factor sign-in on from `client`'s account page; returns the secret. */
    async function turnOn(client: Client): Promise<string> {
      const page = await client.get('/agents/account/two-factor/');
      const secret = secretOf(page.body);
      clock.advance(STEP);
      const done = await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(secret, clock.now()), enrolment: enrolmentOf(page.body), _csrf: csrfFrom(page.body) });
      expect(done.statusCode).toBe(200);
      return secret;
    }

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      await addStaff(t.ctx, 'root', { role: 'admin' });
      root = await signIn('root');
    });
    afterAll(() => t.close());

    it('a new password of ones own: the other browsers are out, this one stays, the token works', async () => {
      const { api, clients: [here, other] } = await agent('ana', 2);
      const changed = await here!.submit('/agents/account/', { display_name: 'Ana', email: 'ana@team.test', current_password: 'password123', password: 'a new pass phrase', password_confirm: 'a new pass phrase' });
      expect(changed.statusCode).toBe(303);
      expect([await signedIn(here!), await signedIn(other!), await tokenWorks(api)]).toEqual([true, false, true]);
    });

    it('a new password through a reset link: every browser is out, the token works', async () => {
      const { id, api, clients: [one, two] } = await agent('ben', 2);
      const token = randomBytes(32).toString('base64url');
      await insertPasswordReset(db(), { userId: id, tokenHash: sessionIdOf(token), now: clock.now(), expiresAt: clock.now() + 30 * 60_000 });
      const reset = await new Client(t.app).submit(`/agents/password/reset/${token}/`, { password: 'a reset pass phrase', password_confirm: 'a reset pass phrase' });
      expect(reset.statusCode).toBe(303);
      expect([await signedIn(one!), await signedIn(two!), await tokenWorks(api)]).toEqual([false, false, true]);
    });

    it('two-factor turned on: the other browsers (in without a code) are out, this one stays, the token works', async () => {
      const { api, clients: [here, other] } = await agent('cai', 2);
      await turnOn(here!);
      expect([await signedIn(here!), await signedIn(other!), await tokenWorks(api)]).toEqual([true, false, true]);
    });

    it('new recovery codes: the other browsers are out (one may have come in with an old code), this one stays, the token works', async () => {
      const { api, clients: [here] } = await agent('dee', 1);
      const secret = await turnOn(here!);
      const other = await signIn('dee', secret);
      const renewed = await here!.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/codes/');
      expect(renewed.statusCode).toBe(200);
      expect([await signedIn(here!), await signedIn(other), await tokenWorks(api)]).toEqual([true, false, true]);
    });

    it('two-factor turned off: the other browsers are out, this one stays, the token works', async () => {
      const { api, clients: [here] } = await agent('eli', 1);
      const secret = await turnOn(here!);
      const other = await signIn('eli', secret);
      const off = await here!.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/off/');
      expect(off.statusCode).toBe(303);
      expect([await signedIn(here!), await signedIn(other), await tokenWorks(api)]).toEqual([true, false, true]);
    });

    it("an admin's reset of the second factor: every browser of the account is out (the admin's stays), the token works; an agent present nowhere goes offline", async () => {
      const { id, api, clients: [one] } = await agent('fin', 1);
      const secret = await turnOn(one!);
      const two = await signIn('fin', secret);
      expect((await findUserById(db(), id))!.presence).toBe('available');
      // Its script calls the API just before: present through its token (API_PRESENCE_MINUTES).
      expect(await tokenWorks(api)).toBe(true);
      const reset = await root.submit(`/admin/users/${id}/`, {}, `/admin/users/${id}/two-factor/reset/`);
      expect(reset.statusCode).toBe(303);
      expect([await signedIn(one!), await signedIn(two), await signedIn(root), await tokenWorks(api)]).toEqual([false, false, true, true]);
      // Present through its token: it stays available.
      expect((await findUserById(db(), id))!.presence).toBe('available');

      // Through the API the same; an agent present nowhere else (its token unused) goes offline at once (R5).
      const { id: gusId, clients: [gus] } = await agent('gus', 1);
      await turnOn(gus!);
      expect((await findUserById(db(), gusId))!.presence).toBe('available');
      const rootApi = new ApiClient(t.app, (await createApiToken(t.ctx, (await db().selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id, 'root script')).token);
      const answer = await rootApi.post('/api/v1/agents/gus/two-factor/reset');
      expect(answer.body).toMatchObject({ had_two_factor: true });
      expect(await signedIn(gus!)).toBe(false);
      expect((await findUserById(db(), gusId))!.presence).toBe('offline');
    });

    it('a deactivation: every browser is out and the token is revoked', async () => {
      const { id, api, clients: [one, two] } = await agent('hal', 2);
      expect((await root.submit(`/admin/users/${id}/`, {}, `/admin/users/${id}/deactivate/`)).statusCode).toBe(303);
      expect([await signedIn(one!), await signedIn(two!), await tokenWorks(api)]).toEqual([false, false, false]);
    });
  });
}
