/**
 * Password reset by email (SPEC §15, issue 19 item 1): a single-use link valid 30 minutes, the same
 * answer for known and unknown addresses, every session of the account ended on reset, the email
 * written to the outbox with the link's row and delivered to a real SMTP server. Expired, reused and
 * forged links get a clear page and change nothing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { findUserById } from '../../src/repositories/users.js';
import { deactivateUser, reactivateUser } from '../../src/services/admin.js';
import { verifyPassword } from '../../src/services/passwords.js';
import { sameTime, timed } from '../support/timing.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';
import { memoryLogger } from '../mail/support/testbed.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { resetPresence } from '../support/presence.js';
import { atRealPasswordCost } from '../support/passwordCost.js';

// Timing tests here compare answers with one password hash: at the real cost (vitest.config.ts lowers it).
atRealPasswordCost();

const MINUTE = 60_000;
const LINK = /http:\/\/helpdesk\.test(\/agents\/password\/reset\/[A-Za-z0-9_-]{43}\/)/;

for (const dialect of DIALECTS) {
  describe(`password reset (${dialect})`, () => {
    let t: TestApp;
    let smtp: TestSmtpServer;
    const clock = new FakeClock();
    let ana: number;
    let admin: number;
    const db = () => t.ctx.handle.db;
    const count = async (table: 'outbox' | 'password_resets' | 'sessions') => Number((await db().selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const hashOf = async (id: number) => (await findUserById(db(), id))!.password_hash;

    /** Asks for a link as a visitor would. */
    async function ask(email: string) {
      return new Client(t.app).submit('/agents/password/reset/', { email });
    }

    /** Delivers the outbox to the SMTP server and returns the path of the newest link mailed to `to`. */
    async function linkMailedTo(to: string): Promise<string> {
      const worker = new OutboxWorker({ handle: t.ctx.handle, mailer: createSmtpMailer(smtp.url), clock: t.ctx.clock, from: 'helpdesk@team.test', logger: memoryLogger() });
      while ((await worker.runOnce()).claimed > 0);
      const mail = smtp.received.filter((m) => m.rcptTo.includes(to)).at(-1);
      expect(mail, `a mail to ${to}`).toBeDefined();
      const match = LINK.exec(mail!.parsed.text ?? '');
      expect(match, 'the mail holds the link').not.toBeNull();
      return match![1]!;
    }

    async function setPassword(path: string, password: string, confirm = password, client = new Client(t.app)) {
      // The form's token from the request page: a refused link's page has no form.
      return client.submit('/agents/password/reset/', { password, password_confirm: confirm }, path);
    }

    beforeAll(async () => {
      smtp = await startSmtpServer();
      t = await startTestApp(dialect, { clock });
      ana = await addStaff(t.ctx, 'ana');
      admin = await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(async () => {
      await t.close();
      await smtp.close();
    });
    beforeEach(async () => {
      await resetPresence(db(), clock.now());
    });

    it('mails a single-use link that sets a new password and ends every session of the account', async () => {
      const laptop = new Client(t.app);
      await laptop.login('ana');
      const phone = new Client(t.app);
      await phone.login('ana');
      expect((await findUserById(db(), ana))!.presence).toBe('available');

      const answer = await ask('ANA@team.test ');
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toContain('If a staff account has this address');
      const path = await linkMailedTo('ana@team.test');
      // Only the token's SHA-256 is stored.
      const token = path.split('/')[4]!;
      const rows = await db().selectFrom('password_resets').selectAll().where('user_id', '=', ana).execute();
      expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(rows)).not.toContain(token);

      // Looking at the link uses nothing up (mail scanners open links).
      expect((await new Client(t.app).get(path)).statusCode).toBe(200);
      const page = await new Client(t.app).get(path);
      expect(page.body).toContain('Choose a new password');

      const done = await setPassword(path, 'brand new secret');
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe('/agents/login/');
      expect(await verifyPassword('brand new secret', await hashOf(ana))).toBe(true);
      // Logged out everywhere, and offline (R5).
      expect(await db().selectFrom('sessions').select('id').where('user_id', '=', ana).execute()).toEqual([]);
      expect((await laptop.get('/agents/dashboard/')).statusCode).toBe(303);
      expect((await phone.get('/agents/dashboard/')).statusCode).toBe(303);
      expect((await findUserById(db(), ana))!.presence).toBe('offline');
      // In the audit log, with the link's user and without the link or the password (§15).
      const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'account.password_reset').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ actor_id: ana, subject: `user:${ana}`, address: '127.0.0.1', after_json: '{"credentials_changed":true}' });
      expect(JSON.stringify(entry)).not.toMatch(new RegExp(`${token}|brand new secret`));
      expect((await new Client(t.app).login('ana', 'password123')).statusCode).toBe(401);
      expect((await new Client(t.app).login('ana', 'brand new secret')).statusCode).toBe(303);

      // Used once: the second use is refused, and changes nothing.
      const before = await hashOf(ana);
      const again = await setPassword(path, 'another new secret');
      expect(again.statusCode).toBe(400);
      expect(again.body).toContain('already been used');
      expect(again.body).toContain('Nothing was changed.');
      expect(await hashOf(ana)).toBe(before);
      expect((await new Client(t.app).get(path)).statusCode).toBe(400);
    });

    it('refuses an address that is none on its field, saying so in the page title', async () => {
      const refused = await ask('not an address');
      expect(refused.statusCode).toBe(400);
      expect(/<title>([^<]*)<\/title>/.exec(refused.body)?.[1]).toBe('Check the address · Reset your password · Helpdesk');
    });

    it('answers an unknown address exactly as a known one, and writes nothing for it', async () => {
      const [outbox, links] = [await count('outbox'), await count('password_resets')];
      const unknown = await ask('nobody@team.test');
      expect(await count('outbox')).toBe(outbox);
      expect(await count('password_resets')).toBe(links);
      const known = await ask('root@team.test');
      expect(await count('outbox')).toBe(outbox + 1);
      expect([unknown.statusCode, known.statusCode]).toEqual([200, 200]);
      expect(unknown.body).toBe(known.body);
    });

    it('puts a request for a known account in the audit log (by nobody, from the client, on the account; never the link), and none for an unknown address', async () => {
      const requests = () => db().selectFrom('audit_log').selectAll().where('action', '=', 'account.password_reset_requested').orderBy('id').execute();
      const before = (await requests()).length;
      await ask('nobody-here@team.test');
      expect(await requests()).toHaveLength(before);
      await ask(' ANA@team.test');
      const path = await linkMailedTo('ana@team.test');
      const entries = await requests();
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)).toMatchObject({ actor_id: null, actor_name: '', subject: `user:${ana}`, address: '127.0.0.1', after_json: '{"email":"ana@team.test"}' });
      expect(JSON.stringify(entries.at(-1))).not.toContain(path.split('/')[4]!);
    });

    it('takes as long for an unknown address as for a known one, within one password hash', async () => {
      const askTimed = async (email: string) => {
        const client = new Client(t.app);
        const form = csrfFrom((await client.get('/agents/password/reset/')).body);
        return timed(() => client.post('/agents/password/reset/', { email, _csrf: form }));
      };
      // Within one hash (test/support/timing.ts: up to three rounds, against load).
      const { met, report } = await sameTime({
        known: () => askTimed('root@team.test'),
        unknown: (i) => askTimed(`nobody${i}@team.test`),
        hash: async () => {
          const stored = await hashOf(admin);
          return timed(() => verifyPassword('whatever', stored));
        },
        within: (oneHash) => oneHash,
      });
      expect(met, report).toBe(true);
    });

    it('refuses an expired link with a clear page, and changes nothing', async () => {
      await ask('root@team.test');
      const path = await linkMailedTo('root@team.test');
      clock.advance(30 * MINUTE);
      const before = await hashOf(admin);
      const page = await new Client(t.app).get(path);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('This reset link has expired');
      // A form loaded before the end, posted after it.
      clock.advance(-1);
      const client = new Client(t.app);
      const form = csrfFrom((await client.get(path)).body);
      clock.advance(1);
      const late = await client.post(path, { password: 'too late secret', password_confirm: 'too late secret', _csrf: form });
      expect(late.statusCode).toBe(400);
      expect(late.body).toContain('This reset link has expired');
      expect(await hashOf(admin)).toBe(before);
    });

    it.each([
      ['a forged token of the right shape', `/agents/password/reset/${'A'.repeat(43)}/`],
      ['a token cut short', `/agents/password/reset/${'A'.repeat(20)}/`],
      ['a token with odd characters', '/agents/password/reset/%3Cscript%3E/'],
    ])('refuses %s with a clear page, and changes nothing', async (_name, path) => {
      const [before, sessions] = [await hashOf(ana), await count('sessions')];
      expect((await new Client(t.app).get(path)).statusCode).toBe(400);
      const client = new Client(t.app);
      const form = csrfFrom((await client.get('/agents/password/reset/')).body);
      const posted = await client.post(path, { password: 'forged secret', password_confirm: 'forged secret', _csrf: form });
      expect(posted.statusCode).toBe(400);
      expect(posted.body).toContain('This reset link is not valid');
      expect(await hashOf(ana)).toBe(before);
      expect(await count('sessions')).toBe(sessions);
    });

    it('refuses a bad new password on its field and keeps the link usable', async () => {
      await ask('ana@team.test');
      const path = await linkMailedTo('ana@team.test');
      const before = await hashOf(ana);
      const short = await setPassword(path, 'short');
      expect(short.statusCode).toBe(400);
      expect(short.body).toMatch(/id="password"[^>]*aria-invalid="true"/);
      // The tab and a screen reader's first words say it was refused (as every staff form's title does).
      expect(/<title>([^<]*)<\/title>/.exec(short.body)?.[1]).toBe('Check the new password · Choose a new password · Helpdesk');
      const mismatch = await setPassword(path, 'long enough one', 'long enough two');
      expect(mismatch.statusCode).toBe(400);
      expect(mismatch.body).toContain('New password again: type the same new password twice.');
      expect(await hashOf(ana)).toBe(before);
      expect((await setPassword(path, 'password123')).statusCode).toBe(303);
    });

    it('lets exactly one of two simultaneous uses of a link through', async () => {
      await ask('ana@team.test');
      const path = await linkMailedTo('ana@team.test');
      const [a, b] = [new Client(t.app), new Client(t.app)];
      const [formA, formB] = [csrfFrom((await a.get(path)).body), csrfFrom((await b.get(path)).body)];
      const answers = await Promise.all([
        a.post(path, { password: 'first secret', password_confirm: 'first secret', _csrf: formA }),
        b.post(path, { password: 'second secret', password_confirm: 'second secret', _csrf: formB }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([303, 400]);
      const winner = answers[0]!.statusCode === 303 ? 'first secret' : 'second secret';
      expect(await verifyPassword(winner, await hashOf(ana))).toBe(true);
      await t.ctx.handle.db.updateTable('users').set({ password_hash: await hashOf(admin) }).where('id', '=', ana).execute();
    });

    it('retires the earlier link when another is asked for: only the newest email sets a password', async () => {
      await ask('ana@team.test');
      const first = await linkMailedTo('ana@team.test');
      await ask('Ana@Team.test');
      const second = await linkMailedTo('ana@team.test');
      expect(second).not.toBe(first);
      const before = await hashOf(ana);
      const page = await new Client(t.app).get(first);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('a newer one was sent');
      expect((await setPassword(first, 'an older link secret')).statusCode).toBe(400);
      expect(await hashOf(ana)).toBe(before);
      expect((await setPassword(second, 'password123')).statusCode).toBe(303);
    });

    it('retires older links when a newer one is used, and sends none to a deactivated account', async () => {
      await ask('ana@team.test');
      const older = await linkMailedTo('ana@team.test');
      await ask('ana@team.test');
      const newer = await linkMailedTo('ana@team.test');
      expect(newer).not.toBe(older);
      expect((await setPassword(newer, 'password123')).statusCode).toBe(303);
      expect((await new Client(t.app).get(older)).statusCode).toBe(400);

      const carl = await addStaff(t.ctx, 'carl');
      await ask('carl@team.test');
      const carlsLink = await linkMailedTo('carl@team.test');
      await deactivateUser(t.ctx, admin, carl);
      const outbox = await count('outbox');
      await ask('carl@team.test');
      expect(await count('outbox')).toBe(outbox);
      // A link asked for before the deactivation no longer works either, nor after a reactivation.
      expect((await setPassword(carlsLink, 'comeback secret')).statusCode).toBe(400);
      await reactivateUser(t.ctx, admin, carl);
      const before = await hashOf(carl);
      expect((await setPassword(carlsLink, 'comeback secret')).statusCode).toBe(400);
      expect(await hashOf(carl)).toBe(before);
    });

    it('voids the links mailed to an address the account no longer has, though its password stays', async () => {
      const dora = await addStaff(t.ctx, 'dora');
      await ask('dora@team.test');
      const link = await linkMailedTo('dora@team.test');
      const root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
      const profile = (email: string) => root.submit(`/admin/users/${dora}/`, { display_name: 'Dora', email, password: '' }, `/admin/users/${dora}/profile/`);
      // The same mailbox in other letters: the link still works.
      expect((await profile('Dora@Team.test')).statusCode).toBe(303);
      expect((await new Client(t.app).get(link)).statusCode).toBe(200);
      // Another mailbox (the old one lost, say): the link mailed to the old one is void.
      expect((await profile('dora@elsewhere.test')).statusCode).toBe(303);
      const before = await hashOf(dora);
      expect((await new Client(t.app).get(link)).statusCode).toBe(400);
      expect((await setPassword(link, 'taken over')).statusCode).toBe(400);
      expect(await hashOf(dora)).toBe(before);
    });

    it("never shows a reset link on the admins' email page: only the mailbox it was sent to holds it", async () => {
      const erin = await addStaff(t.ctx, 'erin', { role: 'admin' });
      await ask('erin@team.test');
      const link = await linkMailedTo('erin@team.test');
      const token = link.split('/')[4]!;
      const row = await db().selectFrom('outbox').select('id').where('kind', '=', 'password_reset').where('to_address', '=', 'erin@team.test').orderBy('id', 'desc').executeTakeFirstOrThrow();
      const root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
      const page = await root.get(`/admin/emails/${row.id}/`);
      expect(page.statusCode).toBe(200);
      // The page still says what the email is, only not its key.
      expect(page.body).toContain('/agents/password/reset/[redacted]/');
      expect(page.body).not.toContain(token);
      // The link itself, in the mailbox, still works: it is one admin's account, not root's to take.
      expect((await setPassword(link, 'only erin knows')).statusCode).toBe(303);
      expect(await verifyPassword('only erin knows', await hashOf(erin))).toBe(true);
    });

    it('refuses a request without an address on its field, and writes nothing', async () => {
      const outbox = await count('outbox');
      const refused = await ask('not-an-address');
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toMatch(/id="email"[^>]*aria-invalid="true"/);
      expect(refused.body).toContain('value="not-an-address"');
      expect(await count('outbox')).toBe(outbox);
    });
  });
}

describe('password reset rate limit', () => {
  it('refuses reset requests from one address beyond the login limit, before looking anything up', async () => {
    const limit = { max: 2, windowMs: MINUTE };
    const t = await startTestApp('sqlite', { config: { rateLimit: true, rateLimits: { loginPerAddress: limit, loginPerUsername: { max: 100, windowMs: MINUTE }, ticketsPerAddress: limit } } });
    try {
      await addStaff(t.ctx, 'ana');
      const client = new Client(t.app, { remoteAddress: '203.0.113.9' });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await client.submit('/agents/password/reset/', { email: 'ana@team.test' })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number((await t.ctx.handle.db.selectFrom('outbox').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(2);
      // Another address is counted apart.
      expect((await new Client(t.app, { remoteAddress: '203.0.113.10' }).submit('/agents/password/reset/', { email: 'ana@team.test' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

// Reset emails land in someone's inbox: from many client addresses (a botnet, the /64s of an IPv6
// /48), the per-address limit alone let anyone flood a staff member with them, and the help desk's
// mail server with its outbox. The address typed is counted too, as a username is at sign-in.
for (const dialect of DIALECTS) {
  describe(`password reset requests per address typed (${dialect})`, () => {
    let t: TestApp;
    const perMailbox = { max: 2, windowMs: MINUTE };
    beforeAll(async () => {
      t = await startTestApp(dialect, { config: { rateLimit: true, rateLimits: { loginPerAddress: { max: 100, windowMs: MINUTE }, loginPerUsername: perMailbox, ticketsPerAddress: perMailbox } } });
      await addStaff(t.ctx, 'ana');
    });
    afterAll(() => t.close());
    const outbox = async () => Number((await t.ctx.handle.db.selectFrom('outbox').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const request = (client: number, email: string) => new Client(t.app, { remoteAddress: `198.51.100.${client}` }).submit('/agents/password/reset/', { email });

    it('sends one mailbox at most RATE_LIMIT_LOGIN_USERNAME reset emails, from however many client addresses, in any letter case', async () => {
      const before = await outbox();
      const answers = [await request(1, 'ana@team.test'), await request(2, ' ANA@Team.test '), await request(3, 'ana@team.test')];
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 429]);
      expect(answers[2]!.body).toContain('Too many reset requests in a short time. Please wait');
      expect(Number(answers[2]!.headers['retry-after'])).toBeGreaterThan(0);
      expect(await outbox()).toBe(before + 2);
      // Another mailbox, from an address just used, is counted apart.
      expect((await request(3, 'bo@team.test')).statusCode).toBe(200);
    });

    it('counts an address no account has the same way, so the refusal tells nothing about who has an account', async () => {
      const answers = [await request(4, 'nobody@team.test'), await request(5, 'nobody@team.test'), await request(6, 'Nobody@team.test')];
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 429]);
    });
  });
}
