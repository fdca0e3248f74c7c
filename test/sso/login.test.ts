/**
 * Single sign-on with OpenID Connect (SPEC §15, issue 19 item 3), end to end against a real
 * OpenID provider (`oidc-provider`) running in this process: the login page's button, the
 * provider's login, the callback. A sign-in opens the account of a verified address (or creates an
 * agent with OIDC_AUTO_CREATE=agent); every refusal — unverified or unknown address, deactivated
 * account, a wrong nonce, a replayed code, a callback without its state or with another one — is a
 * clear page, and leaves no session and no user row behind (only its audit entry).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { addStaff, Client, csrfFrom, startTestApp, TEST_CONFIG, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { startTestProvider, type TestProvider } from '../support/oidcProvider.js';
import { snapshot } from '../support/snapshot.js';
import { codeAt } from '../support/totp.js';

const REDIRECT_URL = `${TEST_CONFIG.publicUrl}/agents/login/sso/callback/`;

for (const dialect of DIALECTS) {
  describe(`single sign-on with OpenID Connect (${dialect})`, () => {
    let op: TestProvider;
    /** A provider that puts the address in the ID token too, and the app signing in with it (`viaIdToken`). */
    let opIdToken: TestProvider;
    let t: TestApp;
    let auto: TestApp;
    let viaIdToken: TestApp;
    const oidcOf = (autoCreate: 'off' | 'agent', provider = op) => ({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUrl: REDIRECT_URL, autoCreate, label: 'Test IdP' });

    beforeAll(async () => {
      op = await startTestProvider(REDIRECT_URL);
      opIdToken = await startTestProvider(REDIRECT_URL, { claimsInIdToken: true });
      t = await startTestApp(dialect, { config: { oidc: oidcOf('off') } });
      auto = await startTestApp(dialect, { config: { oidc: oidcOf('agent') } });
      viaIdToken = await startTestApp(dialect, { config: { oidc: oidcOf('off', opIdToken) } });
    });
    afterAll(async () => {
      await t?.close();
      await auto?.close();
      await viaIdToken?.close();
      await op?.close();
      await opIdToken?.close();
    });

    /** The provider an app signs in with. */
    const providerOf = (app: TestApp) => (app === viaIdToken ? opIdToken : op);

    /** Presses the login page's "Sign in with Test IdP": the provider's authorization URL. */
    async function start(app: TestApp, client: Client, next?: string): Promise<URL> {
      const op = providerOf(app);
      const page = await client.get(`/agents/login/${next ? `?next=${encodeURIComponent(next)}` : ''}`);
      expect(page.body).toContain('Sign in with Test IdP');
      // The form is answered with a redirect to the provider, which browsers check against form-action.
      expect(page.headers['content-security-policy']).toContain(`form-action 'self' ${op.issuer};`);
      const response = await client.post('/agents/login/sso/', { _csrf: csrfFrom(page.body), next: next ?? '' });
      expect(response.statusCode, response.body).toBe(303);
      const url = new URL(String(response.headers.location));
      expect(url.origin).toBe(op.issuer);
      return url;
    }

    /** The whole sign-in as `account` at the provider; the callback's answer. */
    async function signIn(app: TestApp, client: Client, account: string, next?: string): Promise<LightMyRequestResponse> {
      const back = await providerOf(app).signIn((await start(app, client, next)).href, account);
      return client.get(back.pathname + back.search);
    }

    /** What a refusal must leave alone: every row a request can change, and the sessions. */
    const stateOf = async (app: TestApp) => ({ rows: await snapshot(app.ctx.handle.db), sessions: await app.ctx.handle.db.selectFrom('sessions').selectAll().orderBy('id').execute() });
    const lastAudit = (app: TestApp) => app.ctx.handle.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();

    /** Asserts a refusal: its status, its message on a page with the login, nothing changed but one failed-sign-in entry. */
    async function expectRefused(app: TestApp, attempt: () => Promise<LightMyRequestResponse>, status: number, message: string, reason: string) {
      const before = await stateOf(app);
      const response = await attempt();
      expect(response.statusCode, response.body.slice(0, 300)).toBe(status);
      expect(response.body).toContain(message);
      expect(response.body).toContain('Sign in with Test IdP');
      expect(response.headers['set-cookie']).not.toEqual(expect.stringContaining('hd_session='));
      expect(await stateOf(app)).toEqual(before);
      expect(await lastAudit(app)).toMatchObject({ action: 'sign_in.failed', actor_id: null, after_json: JSON.stringify({ step: 'sso', reason }) });
    }

    it('signs in the staff account of a verified address, as a password login does (session, presence, audit, next)', async () => {
      const gus = await addStaff(t.ctx, 'gus');
      op.accounts.set('gus-at-idp', { email: 'Gus@Team.test', email_verified: true, name: 'Gus at the IdP' });
      const client = new Client(t.app, { remoteAddress: '198.51.100.20' });
      const response = await signIn(t, client, 'gus-at-idp', '/agents/account/');
      expect(response.statusCode, response.body).toBe(303);
      expect(response.headers.location).toBe('/agents/account/');
      expect(client.cookie('hd_session')).toBeDefined();
      // A complete sign-in: the browser is remembered for the account (device cookie, core/deviceCookies.ts).
      expect(client.cookie('hd_device')).toMatch(/^gus!/);
      expect((await client.get('/agents/dashboard/')).statusCode).toBe(200);
      const db = t.ctx.handle.db;
      expect(await db.selectFrom('sessions').select('user_id').where('user_id', '=', gus).execute()).toHaveLength(1);
      expect((await db.selectFrom('users').select('presence').where('id', '=', gus).executeTakeFirstOrThrow()).presence).toBe('available');
      expect(await lastAudit(t)).toMatchObject({ action: 'sign_in', actor_id: gus, subject: `user:${gus}`, address: '198.51.100.20', after_json: '{"method":"sso"}' });
      // The sign-on under way is gone once taken; no account was made from the provider's name.
      expect(await db.selectFrom('sso_logins').selectAll().execute()).toEqual([]);
      expect((await db.selectFrom('users').select('display_name').where('id', '=', gus).executeTakeFirstOrThrow()).display_name).toBe('Gus');
    });

    it('refuses an address the provider has not verified, even one a staff account has', async () => {
      await addStaff(t.ctx, 'uma');
      op.accounts.set('uma-unverified', { email: 'uma@team.test', email_verified: false });
      const client = new Client(t.app);
      await expectRefused(t, () => signIn(t, client, 'uma-unverified'), 403, 'has not verified your email address', 'email_not_verified');
      expect(client.cookie('hd_session')).toBeUndefined();
    });

    it('takes the address and its verification from one source: an ID token address never borrows userinfo’s verification of another', async () => {
      const vic = await addStaff(viaIdToken.ctx, 'vic');
      // The ID token names Vic's address without saying it is verified; userinfo verifies another address.
      opIdToken.accounts.set('mixed', { email: 'elsewhere@other.test', email_verified: true, idToken: { email: 'vic@team.test' } });
      await expectRefused(viaIdToken, () => signIn(viaIdToken, new Client(viaIdToken.app), 'mixed'), 403, 'has not verified your email address', 'email_not_verified');
      // The ID token's address verified by itself signs in, whatever userinfo says.
      opIdToken.accounts.set('vic-in-token', { email: 'elsewhere@other.test', email_verified: false, idToken: { email: 'Vic@Team.test', email_verified: true } });
      expect((await signIn(viaIdToken, new Client(viaIdToken.app), 'vic-in-token')).statusCode).toBe(303);
      // Userinfo vouching for the ID token's very address counts (both say the same thing).
      opIdToken.accounts.set('vic-same', { email: 'vic@team.test', email_verified: true, idToken: { email: 'VIC@team.test' } });
      const client = new Client(viaIdToken.app);
      expect((await signIn(viaIdToken, client, 'vic-same')).statusCode).toBe(303);
      expect(await lastAudit(viaIdToken)).toMatchObject({ action: 'sign_in', actor_id: vic });
      // An ID token without an address: userinfo's address with userinfo's verification.
      opIdToken.accounts.set('vic-in-userinfo', { email: 'vic@team.test', email_verified: true, idToken: {} });
      expect((await signIn(viaIdToken, new Client(viaIdToken.app), 'vic-in-userinfo')).statusCode).toBe(303);
      opIdToken.accounts.set('vic-unverified-userinfo', { email: 'vic@team.test', email_verified: false, idToken: {} });
      await expectRefused(viaIdToken, () => signIn(viaIdToken, new Client(viaIdToken.app), 'vic-unverified-userinfo'), 403, 'has not verified your email address', 'email_not_verified');
    });

    it('refuses an address no account has when OIDC_AUTO_CREATE is off', async () => {
      op.accounts.set('stranger', { email: 'stranger@elsewhere.test', email_verified: true, name: 'Stranger' });
      await expectRefused(t, () => signIn(t, new Client(t.app), 'stranger'), 403, 'No staff account uses your email address', 'unknown_email');
      expect(await t.ctx.handle.db.selectFrom('users').select('id').where('email', '=', 'stranger@elsewhere.test').execute()).toEqual([]);
    });

    it('refuses a deactivated account, with auto-create off and on', async () => {
      for (const app of [t, auto]) {
        const dora = await addStaff(app.ctx, 'dora');
        await app.ctx.handle.db.updateTable('users').set({ active: 0 }).where('id', '=', dora).execute();
        op.accounts.set('dora-at-idp', { email: 'dora@team.test', email_verified: true });
        await expectRefused(app, () => signIn(app, new Client(app.app), 'dora-at-idp'), 403, 'is deactivated', 'deactivated');
      }
    });

    it('creates an agent on a first sign-in when OIDC_AUTO_CREATE=agent, and signs the same account in the next time', async () => {
      op.accounts.set('newbie', { email: 'New.Person@Example.test', email_verified: true, name: 'New Person' });
      const db = auto.ctx.handle.db;
      const usersBefore = (await db.selectFrom('users').select('id').execute()).length;
      const response = await signIn(auto, new Client(auto.app, { remoteAddress: '198.51.100.21' }), 'newbie');
      expect(response.statusCode, response.body).toBe(303);
      expect(response.headers.location).toBe('/agents/dashboard/');
      const created = await db.selectFrom('users').selectAll().where('username', '=', 'new.person').executeTakeFirstOrThrow();
      expect(created).toMatchObject({ display_name: 'New Person', email: 'new.person@example.test', role: 'agent', capacity: null, active: 1, presence: 'available', totp_secret: null });
      const entries = await db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(2).execute();
      expect(entries.map((e) => e.action)).toEqual(['sign_in', 'user.create']);
      expect(JSON.parse(entries[1]!.after_json!)).toEqual({ username: 'new.person', email: 'new.person@example.test', role: 'agent', capacity: null, via: 'sso' });
      expect(entries[1]).toMatchObject({ actor_id: null, subject: `user:${created.id}`, address: '198.51.100.21' });
      // Nobody knows its password: only single sign-on (or a reset link) opens it.
      const password = await new Client(auto.app).login('new.person', 'password123');
      expect(password.statusCode).toBe(401);
      expect((await signIn(auto, new Client(auto.app), 'newbie')).statusCode).toBe(303);
      expect((await db.selectFrom('users').select('id').execute()).length).toBe(usersBefore + 1);
      // A second person of the same local part gets a username of their own.
      op.accounts.set('namesake', { email: 'new.person@other.test', email_verified: true });
      expect((await signIn(auto, new Client(auto.app), 'namesake')).statusCode).toBe(303);
      expect((await db.selectFrom('users').select('username').where('email', '=', 'new.person@other.test').executeTakeFirstOrThrow()).username).toBe('new.person-2');
    });

    it('remembers the browser of an account it made, under that account’s password (one nobody knows): its failures count in its own bucket', async () => {
      const limit = { max: 2, windowMs: 60_000 };
      const { app } = await buildApp({
        handle: auto.database.handle,
        clock: { now: () => Date.now() },
        config: { ...TEST_CONFIG, rateLimit: true, rateLimits: { loginPerAddress: { max: 100, windowMs: 60_000 }, loginPerUsername: limit, ticketsPerAddress: limit }, oidc: oidcOf('agent') },
      });
      try {
        op.accounts.set('remembered', { email: 'kept.browser@example.test', email_verified: true });
        const home = new Client(app, { remoteAddress: '198.51.100.40' });
        expect((await signIn(auto, home, 'remembered')).statusCode).toBe(303);
        expect(home.cookie('hd_device')).toMatch(/^kept\.browser!/);
        await home.submit('/agents/account/', {}, '/agents/logout/');
        // Someone else fills the username's shared bucket; the remembered browser is still heard.
        for (const address of ['198.51.100.41', '198.51.100.42']) expect((await new Client(app, { remoteAddress: address }).login('kept.browser', 'a guess')).statusCode).toBe(401);
        expect((await new Client(app, { remoteAddress: '198.51.100.43' }).login('kept.browser', 'a guess')).statusCode).toBe(429);
        expect((await home.login('kept.browser', 'a guess')).statusCode).toBe(401);
      } finally {
        await app.close();
      }
    });

    it('still creates no account for an unverified address with auto-create on', async () => {
      op.accounts.set('unverified-newbie', { email: 'unsure@example.test', email_verified: false });
      await expectRefused(auto, () => signIn(auto, new Client(auto.app), 'unverified-newbie'), 403, 'has not verified your email address', 'email_not_verified');
    });

    it('refuses an ID token whose nonce is not the one this sign-on sent (the stored one tampered with)', async () => {
      op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true });
      const client = new Client(t.app);
      const authorization = await start(t, client);
      await t.ctx.handle.db.updateTable('sso_logins').set({ nonce: 'a-nonce-this-provider-never-saw' }).execute();
      const back = await op.signIn(authorization.href, 'gus-at-idp');
      await expectRefused(t, () => client.get(back.pathname + back.search), 400, "answer could not be verified", 'not_verified');
      expect(client.cookie('hd_session')).toBeUndefined();
    });

    it('refuses a replayed code: in the same browser (its state is spent) and with the state restored (the provider refuses the code)', async () => {
      op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true });
      const client = new Client(t.app);
      const authorization = await start(t, client);
      const stored = await t.ctx.handle.db.selectFrom('sso_logins').selectAll().execute();
      const stateCookie = client.cookie('hd_sso')!;
      const back = await op.signIn(authorization.href, 'gus-at-idp');
      const callback = back.pathname + back.search;
      expect((await client.get(callback)).statusCode).toBe(303);
      // The same answer again, from the same browser: the state was taken by the first use.
      await expectRefused(t, () => client.get(callback), 400, 'already used', 'state');
      // With the sign-on put back as it was (a second process, a copy of the row): the state checks
      // pass, and the provider refuses a code it already exchanged.
      await t.ctx.handle.db.insertInto('sso_logins').values(stored).execute();
      await expectRefused(t, () => t.app.inject({ method: 'GET', url: callback, cookies: { hd_sso: stateCookie } }), 400, "answer could not be verified", 'not_verified');
    });

    it('refuses the provider\'s error answer (the person cancelled at the provider)', async () => {
      const client = new Client(t.app);
      const back = await op.signIn((await start(t, client)).href, null);
      expect(back.searchParams.get('error')).toBe('access_denied');
      await expectRefused(t, () => client.get(back.pathname + back.search), 401, 'did not sign you in', 'provider_refused');
    });

    it('lets one of two callbacks with the same answer at once sign in, and refuses the other', async () => {
      op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true });
      const client = new Client(t.app);
      const back = await op.signIn((await start(t, client)).href, 'gus-at-idp');
      const cookies = { hd_sso: client.cookie('hd_sso')! };
      const sessionsBefore = (await t.ctx.handle.db.selectFrom('sessions').select('id').execute()).length;
      const answers = await Promise.all([0, 1].map(() => t.app.inject({ method: 'GET', url: back.pathname + back.search, cookies })));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 400]);
      expect((await t.ctx.handle.db.selectFrom('sessions').select('id').execute()).length).toBe(sessionsBefore + 1);
    });

    it('refuses a callback without state, with a wrong state, or with the state of another browser', async () => {
      op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true });
      const victim = new Client(t.app);
      const attacker = new Client(t.app);
      const back = await op.signIn((await start(t, attacker)).href, 'gus-at-idp');
      const withState = (state: string | null) => {
        const url = new URL(back);
        if (state === null) url.searchParams.delete('state');
        else url.searchParams.set('state', state);
        return url.pathname + url.search;
      };
      const cookieState = attacker.cookie('hd_sso')!;
      const request = (url: string) => t.app.inject({ method: 'GET', url, cookies: { hd_sso: cookieState } });
      await expectRefused(t, () => request(withState(null)), 400, 'could not be finished', 'state');
      await expectRefused(t, () => request(withState('not-the-state')), 400, 'could not be finished', 'state');
      // Login CSRF: the attacker's own finished sign-in, opened in the victim's browser.
      await expectRefused(t, () => victim.get(back.pathname + back.search), 400, 'could not be finished', 'state');
      expect(victim.cookie('hd_session')).toBeUndefined();
    });

    it('asks for the second factor after the provider, as after a password', async () => {
      const tess = await addStaff(t.ctx, 'tess');
      await t.ctx.handle.db.updateTable('users').set({ totp_secret: 'JBSWY3DPEHPK3PXP' }).where('id', '=', tess).execute();
      op.accounts.set('tess-at-idp', { email: 'tess@team.test', email_verified: true });
      const client = new Client(t.app);
      const response = await signIn(t, client, 'tess-at-idp', '/agents/account/');
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(`/agents/login/two-factor/?next=${encodeURIComponent('/agents/account/')}`);
      expect(client.cookie('hd_session')).toBeUndefined();
      expect(client.cookie('hd_device')).toBeUndefined();
      expect(client.cookie('hd_login')).toBeDefined();
      expect(await t.ctx.handle.db.selectFrom('sessions').select('id').where('user_id', '=', tess).execute()).toEqual([]);
      expect((await client.get('/agents/login/two-factor/')).statusCode).toBe(200);
      // The code starts the session, and its entry says both steps: the provider, then the app's code.
      expect((await client.submit('/agents/login/two-factor/', { code: codeAt('JBSWY3DPEHPK3PXP', Date.now()) })).statusCode).toBe(303);
      expect(await lastAudit(t)).toMatchObject({ action: 'sign_in', actor_id: tess, after_json: '{"method":"sso","second_factor":"totp"}' });
    });

    it('keeps the state, nonce, PKCE verifier, codes and client secret out of the audit log', async () => {
      const client = new Client(t.app);
      op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true });
      const authorization = await start(t, client);
      const [stored] = await t.ctx.handle.db.selectFrom('sso_logins').selectAll().execute().then((rows) => rows.filter((r) => authorization.searchParams.get('nonce') === r.nonce));
      const back = await op.signIn(authorization.href, 'gus-at-idp');
      expect((await client.get(back.pathname + back.search)).statusCode).toBe(303);
      const text = JSON.stringify(await t.ctx.handle.db.selectFrom('audit_log').selectAll().execute());
      for (const secret of [authorization.searchParams.get('state')!, stored!.nonce, stored!.code_verifier, back.searchParams.get('code')!, op.clientSecret]) expect(text).not.toContain(secret);
    });

    it('is not offered without OIDC_ISSUER: no button, and its routes are not there', async () => {
      const { app } = await buildApp({ handle: t.database.handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
      try {
        const client = new Client(app);
        const page = await client.get('/agents/login/');
        expect(page.statusCode).toBe(200);
        expect(page.body).not.toContain('Sign in with');
        expect(page.body).not.toContain('/agents/login/sso/');
        expect((await client.post('/agents/login/sso/', { _csrf: csrfFrom(page.body) })).statusCode).toBe(404);
        expect((await client.get('/agents/login/sso/callback/?code=x&state=y')).statusCode).toBe(404);
      } finally {
        await app.close();
      }
    });

    it('counts refused callbacks as failed sign-ins of the address, never successful ones; presses of the button in a count of their own', async () => {
      const limit = { max: 2, windowMs: 60_000 };
      const { app } = await buildApp({
        handle: t.database.handle,
        clock: { now: () => Date.now() },
        config: { ...TEST_CONFIG, rateLimit: true, rateLimits: { loginPerAddress: limit, loginPerUsername: limit, ticketsPerAddress: { max: 4, windowMs: 60_000 } }, oidc: oidcOf('off') },
      });
      try {
        await addStaff(t.ctx, 'oli');
        op.accounts.set('oli-at-idp', { email: 'oli@team.test', email_verified: true });
        const press = async (client: Client) => client.post('/agents/login/sso/', { _csrf: csrfFrom((await client.get('/tickets/create/')).body) });
        // An office behind one address: three colleagues sign in through the provider in a minute,
        // more than the address's failed sign-ins allow, and a fourth with the password still can.
        const office = '198.51.100.30';
        for (let i = 0; i < 3; i++) {
          const client = new Client(app, { remoteAddress: office });
          const started = await press(client);
          expect(started.statusCode, `press ${i + 1}`).toBe(303);
          const back = await op.signIn(String(started.headers.location), 'oli-at-idp');
          expect((await client.get(back.pathname + back.search)).statusCode, `callback ${i + 1}`).toBe(303);
        }
        expect((await new Client(app, { remoteAddress: office }).login('oli')).statusCode).toBe(303);
        // The presses have a count of their own (RATE_LIMIT_TICKETS's figure): the fifth is refused.
        const client = new Client(app, { remoteAddress: office });
        expect((await press(client)).statusCode).toBe(303);
        const over = await press(client);
        expect(over.statusCode).toBe(429);
        expect(over.body).toContain('Too many login attempts');
        expect(over.headers['retry-after']).toBeDefined();
        // Refused callbacks (a state that is not the browser's) count: after two, the address is refused unchecked.
        const guesser = new Client(app, { remoteAddress: '198.51.100.31' });
        for (let i = 0; i < 2; i++) expect((await guesser.get(`/agents/login/sso/callback/?state=guess-${i}&code=x`)).statusCode).toBe(400);
        const refused = await guesser.get('/agents/login/sso/callback/?state=guess-3&code=x');
        expect(refused.statusCode).toBe(429);
        expect((await guesser.login('oli')).statusCode).toBe(429);
      } finally {
        await app.close();
      }
    });

    it('shows the provider being away as a page (502), and writes nothing', async () => {
      const { app } = await buildApp({ handle: t.database.handle, clock: { now: () => Date.now() }, config: { ...TEST_CONFIG, oidc: { ...oidcOf('off'), issuer: 'http://127.0.0.1:1' } } });
      try {
        const client = new Client(app);
        const page = await client.get('/agents/login/');
        const ssoLogins = () => t.ctx.handle.db.selectFrom('sso_logins').selectAll().orderBy('state_hash').execute();
        const [before, underWay] = [await stateOf(t), await ssoLogins()];
        const response = await client.post('/agents/login/sso/', { _csrf: csrfFrom(page.body), next: '' });
        expect(response.statusCode).toBe(502);
        expect(response.body).toContain('cannot be reached');
        expect(await stateOf(t)).toEqual(before);
        expect(await ssoLogins()).toEqual(underWay);
      } finally {
        await app.close();
      }
    });
  });
}
