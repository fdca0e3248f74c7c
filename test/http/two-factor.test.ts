/**
 * Two-factor sign-in (SPEC §15, issue 19 item 2): enrolment from the account page with a QR code
 * drawn by the server, the second step of a login, no TOTP code accepted twice (not even one of the
 * previous window), single-use recovery codes, the "required for all staff" setting forcing
 * enrolment at the next login, turning it off, an admin's reset, and the rate limit.
 */
import { createHash } from 'node:crypto';
import { Secret } from 'otpauth';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserById } from '../../src/repositories/users.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { visibleText } from '../admin/support.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, recoveryCodesOf, secretOf } from '../support/totp.js';

const STEP = 30_000;


for (const dialect of DIALECTS) {
  describe(`two-factor sign-in (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));
    let dan: number;
    let root: Client;
    const db = () => t.ctx.handle.db;
    const user = async (id: number) => (await findUserById(db(), id))!;

    /** A login with the password; returns the client, which then waits at the second step. */
    async function passwordStep(username: string): Promise<Client> {
      const client = new Client(t.app);
      const answer = await client.login(username);
      expect(answer.statusCode).toBe(303);
      expect(answer.headers.location).toBe('/agents/login/two-factor/');
      return client;
    }

    async function secondStep(client: Client, code: string) {
      return client.submit('/agents/login/two-factor/', { code });
    }

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      dan = await addStaff(t.ctx, 'dan');
      await addStaff(t.ctx, 'root', { role: 'admin' });
      root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
    });
    afterAll(() => t.close());

    /** The audit entries of one's own second factor (§15), as [action, actor, before, after]. */
    const ownAudit = async (userId: number) =>
      (await db().selectFrom('audit_log').select(['action', 'actor_name', 'before_json', 'after_json']).where('subject', '=', `user:${userId}`).where('action', 'like', 'account.%').orderBy('id').execute()).map((a) => [
        a.action,
        a.actor_name,
        JSON.parse(String(a.before_json)),
        JSON.parse(String(a.after_json)),
      ]);

    it('enrols from the account page: a QR code drawn here, nothing stored before a right code, ten hashed recovery codes', async () => {
      const client = new Client(t.app);
      await client.login('dan');
      const before = await user(dan);
      const page = await client.get('/agents/account/two-factor/');
      expect(page.body).toMatch(/<figure id="totp-qr"><svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      // A way back that turns nothing on.
      expect(page.body).toMatch(/<a href="\/agents\/account\/" id="two-factor-cancel">Cancel: back to my account<\/a>/);
      expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect(await user(dan)).toEqual(before);
      const secret = secretOf(page.body);
      const wrong = await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(secret, clock.now() + 10 * STEP), enrolment: enrolmentOf(page.body), _csrf: csrfFrom(page.body) });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toMatch(/id="code"[^>]*aria-invalid="true"/);
      // The same secret is shown again, so the phone that scanned it stays right.
      expect(secretOf(wrong.body)).toBe(secret);
      // A form signed for another account (or not signed) does not enrol.
      const forged = await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(secret, clock.now()), enrolment: `1:${secret}`, _csrf: csrfFrom(page.body) });
      expect(forged.statusCode).toBe(400);
      expect(await user(dan)).toEqual(before);

      const done = await client.post('/agents/account/two-factor/', { current_password: 'password123', code: codeAt(secret, clock.now()), enrolment: enrolmentOf(wrong.body), _csrf: csrfFrom(wrong.body) });
      expect(done.statusCode).toBe(200);
      const codes = recoveryCodesOf(done.body);
      expect(new Set(codes).size).toBe(10);
      expect((await user(dan)).totp_secret).toBe(secret);
      const stored = await db().selectFrom('recovery_codes').select('code_hash').where('user_id', '=', dan).execute();
      expect(stored.map((r) => r.code_hash).sort()).toEqual(codes.map((c) => createHash('sha256').update(c.replace('-', '')).digest('hex')).sort());
      // Audited as the account's own change, without the secret or a code.
      expect(await ownAudit(dan)).toEqual([['account.two_factor_on', 'dan', { two_factor: false }, { two_factor: true }]]);
      clock.advance(STEP);

      // The login now waits for a code: no session before it.
      const waiting = await passwordStep('dan');
      expect((await waiting.get('/agents/dashboard/')).statusCode).toBe(303);
      const sessions = await db().selectFrom('sessions').select('id').where('user_id', '=', dan).execute();
      const wrongCode = await secondStep(waiting, '000000' === codeAt(secret, clock.now()) ? '111111' : '000000');
      expect(wrongCode.statusCode).toBe(401);
      expect(wrongCode.body).toContain('Code: this code is not right, or was already used');
      expect(await db().selectFrom('sessions').select('id').where('user_id', '=', dan).execute()).toEqual(sessions);
      const code = codeAt(secret, clock.now());
      const ok = await secondStep(waiting, code);
      expect(ok.statusCode).toBe(303);
      expect(ok.headers.location).toBe('/agents/dashboard/');
      const dashboard = await waiting.get('/agents/dashboard/');
      expect(dashboard.statusCode).toBe(200);
      // The app's code: no message about recovery codes.
      expect(visibleText(dashboard)).not.toContain('recovery code');

      // The same code again, in the same window: refused.
      expect((await secondStep(await passwordStep('dan'), code)).statusCode).toBe(401);
      // A window later the code just used is the previous window's: still refused. A later one passes once.
      clock.advance(STEP);
      expect((await secondStep(await passwordStep('dan'), code)).statusCode).toBe(401);
      const next = codeAt(secret, clock.now());
      expect((await secondStep(await passwordStep('dan'), next)).statusCode).toBe(303);
      expect((await secondStep(await passwordStep('dan'), next)).statusCode).toBe(401);
      // A code of the previous window not yet used is accepted (drift), once.
      clock.advance(2 * STEP);
      const previous = codeAt(secret, clock.now() - STEP);
      expect((await secondStep(await passwordStep('dan'), previous)).statusCode).toBe(303);
      expect((await secondStep(await passwordStep('dan'), previous)).statusCode).toBe(401);

      // A recovery code works once, and the page it lands on says one was used and how many are left.
      clock.advance(STEP);
      const recovering = await passwordStep('dan');
      expect((await secondStep(recovering, codes[0]!.toUpperCase())).statusCode).toBe(303);
      const landed = visibleText(await recovering.get('/agents/dashboard/'));
      expect(landed).toContain('You signed in with a recovery code, which is now used up: 9 of 10 left.');
      expect(landed).not.toContain('Make new ones');
      expect((await secondStep(await passwordStep('dan'), codes[0]!)).statusCode).toBe(401);
      const status = await client.get('/agents/account/two-factor/');
      expect(status.body).toContain('9 of 10 recovery codes left');
      expect(status.body).toContain('<a href="/agents/account/">Back to my account</a>');
      // With few left, it asks for new ones (the count is the database's, after this code).
      const hashOf = (c: string) => createHash('sha256').update(c.replace('-', '')).digest('hex');
      await db().updateTable('recovery_codes').set({ used_at: clock.now() }).where('code_hash', 'in', codes.slice(1, 7).map(hashOf)).execute();
      const few = await passwordStep('dan');
      expect((await secondStep(few, codes[7]!)).statusCode).toBe(303);
      expect(visibleText(await few.get('/agents/dashboard/'))).toContain('2 of 10 left. Make new ones on your Two-factor sign-in page (My account).');
    });

    it('turns on from the account page only with the current password: someone at an unlocked screen cannot put their phone on the account', async () => {
      const gil = await addStaff(t.ctx, 'gil');
      const client = new Client(t.app);
      await client.login('gil');
      const before = await user(gil);
      const page = await client.get('/agents/account/two-factor/');
      expect(page.body).toMatch(/<input[^>]*name="current_password"[^>]*type="password"|<input[^>]*type="password"[^>]*name="current_password"/);
      const secret = secretOf(page.body);
      const post = (form: Record<string, string>, html: string) => client.post('/agents/account/two-factor/', { code: codeAt(secret, clock.now()), enrolment: enrolmentOf(html), _csrf: csrfFrom(html), ...form });
      for (const form of [{}, { current_password: '' }, { current_password: 'not-my-password' }] as Record<string, string>[]) {
        const refused = await post(form, page.body);
        expect(refused.statusCode).toBe(400);
        expect(refused.body).toMatch(/id="current_password"[^>]*aria-invalid="true"/);
        // The same secret again: the phone that scanned it stays right.
        expect(secretOf(refused.body)).toBe(secret);
        expect(await user(gil)).toEqual(before);
        expect(await db().selectFrom('recovery_codes').select('id').where('user_id', '=', gil).execute()).toEqual([]);
      }
      const done = await post({ current_password: 'password123' }, page.body);
      expect(done.statusCode).toBe(200);
      expect(recoveryCodesOf(done.body)).toHaveLength(10);
      expect((await user(gil)).totp_secret).toBe(secret);
      clock.advance(STEP);
    });

    it('makes new recovery codes with the current password: every earlier one stops working', async () => {
      const secret = (await user(dan)).totp_secret!;
      clock.advance(STEP);
      const client = await passwordStep('dan');
      expect((await secondStep(client, codeAt(secret, clock.now()))).statusCode).toBe(303);
      const status = await client.get('/agents/account/two-factor/');
      expect(status.body).toContain('action="/agents/account/two-factor/codes/"');
      expect(status.body).toContain('formaction="/agents/account/two-factor/off/"');
      const hashes = async () => (await db().selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', dan).orderBy('code_hash').execute()).map((r) => r.code_hash);
      const before = await hashes();

      const wrong = await client.submit('/agents/account/two-factor/', { current_password: 'not-my-password' }, '/agents/account/two-factor/codes/');
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain('Current password: this is not your current password.');
      expect(wrong.body).toMatch(/id="current_password"[^>]*aria-invalid="true"/);
      expect(await hashes()).toEqual(before);

      const renewed = await client.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/codes/');
      expect(renewed.statusCode).toBe(200);
      expect(visibleText(renewed)).toContain('Your new recovery codes');
      expect(visibleText(renewed)).toContain('Your earlier recovery codes no longer work.');
      const fresh = recoveryCodesOf(renewed.body);
      expect(new Set(fresh).size).toBe(10);
      const stored = await db().selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', dan).execute();
      expect(stored.map((r) => r.code_hash).sort()).toEqual(fresh.map((c) => createHash('sha256').update(c.replace('-', '')).digest('hex')).sort());
      expect(stored.every((r) => r.used_at === null)).toBe(true);
      expect(stored.some((r) => before.includes(r.code_hash))).toBe(false);
      expect((await client.get('/agents/account/two-factor/')).body).toContain('10 of 10 recovery codes left');
      // Audited once (the refused try wrote nothing), without a code.
      expect((await ownAudit(dan)).filter(([action]) => action === 'account.recovery_codes_renewed')).toEqual([['account.recovery_codes_renewed', 'dan', { spare_sign_ins: 'the earlier ten' }, { spare_sign_ins: 'ten new' }]]);
      // A new code signs in; the second factor itself is unchanged.
      expect((await secondStep(await passwordStep('dan'), fresh[0]!)).statusCode).toBe(303);
      expect((await user(dan)).totp_secret).toBe(secret);

      // Without a second factor there is nothing to renew: the set-up page says so, nothing is written.
      await addStaff(t.ctx, 'fay');
      const fay = new Client(t.app);
      await fay.login('fay');
      const none = await fay.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/codes/');
      expect(none.statusCode).toBe(409);
      expect(visibleText(none)).toContain('Two-factor sign-in is off: there are no recovery codes to renew.');
      expect(none.body).toContain('id="totp-qr"');
    });

    it('sends a second step without its signed cookie, or after five minutes, back to the login', async () => {
      const stranger = new Client(t.app);
      const page = await stranger.get('/agents/login/two-factor/');
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toBe('/agents/login/');
      const forged = await t.app.inject({ method: 'GET', url: '/agents/login/two-factor/', cookies: { hd_login: `${dan}.${clock.now() + 60_000}.${'A'.repeat(22)}` } });
      expect(forged.headers.location).toBe('/agents/login/');
      const late = await passwordStep('dan');
      clock.advance(5 * 60_000);
      expect((await late.get('/agents/login/two-factor/')).headers.location).toBe('/agents/login/');
    });

    it('ends a second step begun before the password changed: the new password starts again, even when it is the same text', async () => {
      const sessionsOf = async () => (await db().selectFrom('sessions').select('id').where('user_id', '=', dan).execute()).length;
      const secret = (await user(dan)).totp_secret!;
      const { display_name, email } = await user(dan);
      const setPassword = async (password: string) =>
        expect((await root.submit(`/admin/users/${dan}/`, { display_name, email: email ?? '', password }, `/admin/users/${dan}/profile/`)).statusCode).toBe(303);
      const early = await passwordStep('dan');
      // The page still shows while the password is the one it began with; its form is kept open.
      const form = await early.get('/agents/login/two-factor/');
      expect(form.statusCode).toBe(200);
      // An admin sets a new password (which ends the account's sessions); the same text set again
      // afterwards is still a new hash (a new salt).
      await setPassword('a quite new password');
      await setPassword('password123');
      const before = await sessionsOf();
      clock.advance(STEP);
      expect((await early.get('/agents/login/two-factor/')).headers.location).toBe('/agents/login/');
      // The form shown before, sent now with a right code: refused, no session.
      const refused = await early.post('/agents/login/two-factor/', { code: codeAt(secret, clock.now()), _csrf: csrfFrom(form.body) });
      expect(refused.statusCode).toBe(303);
      expect(refused.headers.location).toBe('/agents/login/');
      expect(await sessionsOf()).toBe(before);
      const again = await early.get('/agents/login/');
      expect(visibleText(again)).toContain('Your login took too long or was not finished. Please log in again.');
      // The password step again, with the password as it is now: the second step finishes.
      const fresh = await passwordStep('dan');
      clock.advance(STEP);
      const signedIn = await secondStep(fresh, codeAt(secret, clock.now()));
      expect(signedIn.statusCode).toBe(303);
      expect(signedIn.headers.location).toBe('/agents/dashboard/');
      expect(await sessionsOf()).toBe(before + 1);
    });

    it('lets an admin reset a second factor, after which the password alone signs in', async () => {
      const secret = (await user(dan)).totp_secret;
      expect(secret).not.toBeNull();
      // A login waiting for its code meanwhile.
      const waiting = await passwordStep('dan');
      const form = await waiting.get('/agents/login/two-factor/');
      const reset = await root.submit(`/admin/users/${dan}/`, {}, `/admin/users/${dan}/two-factor/reset/`);
      expect(reset.statusCode).toBe(303);
      // No code can pass any more: the login starts again (not "wrong code" at every try), and counts no failure.
      const failures = async () => (await db().selectFrom('audit_log').select('id').where('action', '=', 'sign_in.failed').execute()).length;
      const failedBefore = await failures();
      const refused = await waiting.post('/agents/login/two-factor/', { code: codeAt(secret!, clock.now()), _csrf: csrfFrom(form.body) });
      expect(refused.headers.location).toBe('/agents/login/');
      expect(visibleText(await waiting.get('/agents/login/'))).toContain('Your two-factor sign-in was reset meanwhile. Please log in again.');
      expect(await failures()).toBe(failedBefore);
      expect((await user(dan)).totp_secret).toBeNull();
      expect(await db().selectFrom('recovery_codes').select('id').where('user_id', '=', dan).execute()).toEqual([]);
      // Audited, in the same transaction.
      const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'user.two_factor_reset').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ actor_name: 'root', subject: `user:${dan}`, before_json: '{"two_factor":true}', after_json: '{"two_factor":false}' });
      const answer = await new Client(t.app).login('dan');
      expect(answer.headers.location).toBe('/agents/dashboard/');
    });

    it('forces enrolment at the next login when required for all staff, and then refuses turning it off', async () => {
      const eve = await addStaff(t.ctx, 'eve');
      expect((await root.submit('/adminapp/settings/', { required: 'on' }, '/adminapp/settings/two-factor/')).statusCode).toBe(303);
      expect((await root.get('/adminapp/settings/')).body).toContain('Required for all staff');
      const client = await passwordStep('eve');
      expect(client.cookie('hd_device')).toBeUndefined();
      const page = await client.get('/agents/login/two-factor/');
      expect(page.body).toContain('required for all staff');
      // No way round it at a login that requires it: no cancel link.
      expect(page.body).not.toContain('two-factor-cancel');
      const secret = secretOf(page.body);
      const done = await client.post('/agents/login/two-factor/', { code: codeAt(secret, clock.now()), enrolment: enrolmentOf(page.body), _csrf: csrfFrom(page.body) });
      expect(done.statusCode).toBe(200);
      expect(recoveryCodesOf(done.body)).toHaveLength(10);
      // Enrolment completes the sign-in: the browser is remembered for the account (device cookie).
      expect(client.cookie('hd_device')).toMatch(/^eve!/);
      expect((await client.get('/agents/dashboard/')).statusCode).toBe(200);
      expect((await user(eve)).totp_secret).toBe(secret);
      // Required: new codes can be made, but there is no button to turn it off.
      const required = await client.get('/agents/account/two-factor/');
      expect(required.body).toContain('Make new recovery codes');
      expect(required.body).not.toContain('Turn off two-factor sign-in');
      const off = await client.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/off/');
      expect(off.statusCode).toBe(409);
      expect(off.body).toContain('required for all staff here: it cannot be turned off');
      expect((await user(eve)).totp_secret).toBe(secret);

      // Optional again: turned off with the current password only.
      await root.submit('/adminapp/settings/', { required: 'off' }, '/adminapp/settings/two-factor/');
      // Both changes of the setting are audited with their before and after (§15).
      const audited = await t.ctx.handle.db.selectFrom('audit_log').select(['action', 'actor_name', 'before_json', 'after_json']).where('action', '=', 'settings.two_factor_required').orderBy('id').execute();
      expect(audited.map((a) => [a.actor_name, JSON.parse(String(a.before_json)), JSON.parse(String(a.after_json))])).toEqual([
        ['root', { required: false }, { required: true }],
        ['root', { required: true }, { required: false }],
      ]);
      const wrong = await client.submit('/agents/account/two-factor/', { current_password: 'nope-nope' }, '/agents/account/two-factor/off/');
      expect(wrong.statusCode).toBe(400);
      // The error summary says it; no flash saying "please correct" besides.
      expect(wrong.body).toContain('Current password: this is not your current password.');
      expect(wrong.body).toContain('One field needs your attention');
      expect(wrong.body).not.toContain('data-flash="error"');
      expect((await user(eve)).totp_secret).toBe(secret);
      expect((await ownAudit(eve)).map(([action]) => action)).toEqual(['account.two_factor_on']);
      expect((await client.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/off/')).statusCode).toBe(303);
      expect((await user(eve)).totp_secret).toBeNull();
      expect((await ownAudit(eve)).at(-1)).toEqual(['account.two_factor_off', 'eve', { two_factor: true }, { two_factor: false }]);
    });

    it('refuses a bad value for the setting on its field, and changes nothing', async () => {
      const refused = await root.submit('/adminapp/settings/', { required: 'maybe' }, '/adminapp/settings/two-factor/');
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('Required: choose on or off.');
    });
  });
}

describe('two-factor rate limit', () => {
  it('counts codes like login attempts: over the per-username limit, refused unchecked', async () => {
    const limit = { max: 3, windowMs: 60_000 };
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: { loginPerAddress: { max: 100, windowMs: 60_000 }, loginPerUsername: limit, ticketsPerAddress: limit } } });
    try {
      const id = await addStaff(t.ctx, 'fay');
      await t.ctx.handle.db.updateTable('users').set({ totp_secret: new Secret({ size: 20 }).base32 }).where('id', '=', id).execute();
      const client = new Client(t.app);
      // The password step succeeded: it counts nothing. Each wrong code counts one for the username.
      expect((await client.login('fay')).headers.location).toBe('/agents/login/two-factor/');
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await client.submit('/agents/login/two-factor/', { code: '000000' })).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`a sign-in check whose second step breaks before judging the code (${dialect})`, () => {
    it('gives its reservation back: errors nobody guessed in do not lock the account out', async () => {
      // Three per username; the store is the dialect's default (memory on SQLite, the database on PostgreSQL).
      const limit = { max: 3, windowMs: 60_000 };
      const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));
      const t = await startTestApp(dialect, { clock, config: { rateLimit: true, rateLimits: { loginPerAddress: limit, loginPerUsername: limit, ticketsPerAddress: limit } } });
      try {
        const db = t.ctx.handle.db;
        const secret = new Secret({ size: 20 }).base32;
        const id = await addStaff(t.ctx, 'gus');
        await db.updateTable('users').set({ totp_secret: secret }).where('id', '=', id).execute();
        const client = new Client(t.app);
        expect((await client.login('gus')).headers.location).toBe('/agents/login/two-factor/');
        const form = await client.get('/agents/login/two-factor/');
        // A real fault after the reservation: the setting the second step reads is gone.
        await sql`alter table settings rename column require_two_factor to require_two_factor_gone`.execute(db);
        const broken = [];
        for (let i = 0; i < limit.max; i++) broken.push((await client.post('/agents/login/two-factor/', { code: codeAt(secret, clock.now()), _csrf: csrfFrom(form.body) })).statusCode);
        expect(broken).toEqual([500, 500, 500]);
        await sql`alter table settings rename column require_two_factor_gone to require_two_factor`.execute(db);

        const signedIn = await client.post('/agents/login/two-factor/', { code: codeAt(secret, clock.now()), _csrf: csrfFrom(form.body) });
        expect(signedIn.statusCode, 'not refused as if three codes had been guessed').toBe(303);
        expect(signedIn.headers.location).toBe('/agents/dashboard/');
      } finally {
        await t.close();
      }
    });
  });
}
