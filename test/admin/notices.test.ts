/**
 * A team's first day (issue 23, items 3 and 5): alerts that would reach nobody and emails that were
 * never delivered are said on every admin page; an admin without an address is asked for one at
 * login; admins edit any account's name, email and password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogMailer, createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { ensureFirstAdmin } from '../../src/services/users.js';
import { startSmtpServer } from '../mail/support/smtp.js';
import { memoryLogger } from '../mail/support/testbed.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { createApiToken, revokeApiToken } from '../../src/services/tokens.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, newTicket, visibleText } from './support.js';

const ADMIN_PAGES = ['/admin/', '/admin/tickets/', '/adminapp/dashboard/', '/adminapp/settings/', '/admin/emails/'];

for (const dialect of DIALECTS) {
  describe(`admin notices and profiles (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let adminId: number;
    const db = () => t.ctx.handle.db;
    const noticesIn = (html: string) => [...html.matchAll(/data-notice="([^"]+)"/g)].map((m) => m[1]);
    const notices = async (client: Client, url: string) => noticesIn((await client.get(url)).body);
    const send = async (mailer: ReturnType<typeof createLogMailer>) => {
      const worker = new OutboxWorker({ handle: t.ctx.handle, mailer, clock: t.ctx.clock, from: 'helpdesk@team.test', logger: memoryLogger() });
      while ((await worker.runOnce()).claimed > 0);
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      // The first admin, as a fresh install makes it: no email address.
      await ensureFirstAdmin(t.ctx, 'first-admin-pass');
      adminId = (await db().selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()).id;
      await addStaff(t.ctx, 'ana');
    });
    afterAll(() => t.close());

    it('asks an admin without an email for one at login, and warns on every admin page until one has it', async () => {
      admin = new Client(t.app);
      const login = await admin.login('admin', 'first-admin-pass');
      expect(login.statusCode).toBe(303);
      expect(login.headers.location).toBe(`/admin/users/${adminId}/#profile`);
      const landing = await admin.get(`/admin/users/${adminId}/`);
      // Asked once: by the notice every admin page shows, not by a login message besides it.
      expect(noticesIn(landing.body)).toEqual(['no-admin-email']);
      expect(visibleText(landing).match(/no admin has an email address|add your email address/gi)).toEqual(['No admin has an email address', 'Add your email address']);
      expect(landing.body).not.toContain('data-flash=');
      expect(landing.body).toContain('id="profile"');
      for (const url of ADMIN_PAGES) expect(await notices(admin, url), url).toEqual(['no-admin-email']);
      // Following a link (next=…) leads there; the warning says the rest.
      const other = new Client(t.app);
      const page = await other.get('/agents/login/?next=/admin/tickets/');
      const withNext = await other.post('/agents/login/', { username: 'admin', password: 'first-admin-pass', next: '/admin/tickets/', _csrf: csrfFrom(page.body) });
      expect(withNext.headers.location).toBe('/admin/tickets/');
      // Agents' pages never carry admin notices.
      const ana = new Client(t.app);
      await ana.login('ana');
      expect(await notices(ana, '/agents/dashboard/')).toEqual([]);
    });

    it('refuses a bad profile with the fields named and nothing written', async () => {
      const before = await db().selectFrom('users').selectAll().where('id', '=', adminId).executeTakeFirstOrThrow();
      const refused = await admin.submit(`/admin/users/${adminId}/`, { display_name: 'x'.repeat(101), email: 'not-an-address', password: 'short' }, `/admin/users/${adminId}/profile/`);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toMatch(/id="display_name"[^>]*aria-invalid="true"/);
      expect(refused.body).toMatch(/id="email"[^>]*aria-invalid="true"/);
      expect(refused.body).toMatch(/id="password"[^>]*aria-invalid="true"/);
      // What was typed comes back (never the password).
      expect(refused.body).toContain('value="not-an-address"');
      expect(refused.body).not.toContain('value="short"');
      expect(await db().selectFrom('users').selectAll().where('id', '=', adminId).executeTakeFirstOrThrow()).toEqual(before);
    });

    it('saves an email: the warning is gone and breach alerts have somewhere to go', async () => {
      const saved = await admin.submit(`/admin/users/${adminId}/`, { display_name: 'Ada Admin', email: 'ada@team.test', password: '', current_password: 'first-admin-pass' }, `/admin/users/${adminId}/profile/`);
      expect(saved.statusCode).toBe(303);
      const page = await admin.get(`/admin/users/${adminId}/`);
      expect(visibleText(page)).toContain('Profile saved.');
      expect(await db().selectFrom('users').select(['display_name', 'email']).where('id', '=', adminId).executeTakeFirstOrThrow()).toEqual({ display_name: 'Ada Admin', email: 'ada@team.test' });
      for (const url of ADMIN_PAGES) expect(await notices(admin, url), url).toEqual([]);
      // Still logged in: no password was changed.
      expect((await admin.get('/admin/')).statusCode).toBe(200);
    });

    it("an admin sets an agent's new password: the agent's sessions end and it goes offline (R5) in the same change", async () => {
      const anaId = (await db().selectFrom('users').select('id').where('username', '=', 'ana').executeTakeFirstOrThrow()).id;
      const ana = new Client(t.app);
      await ana.login('ana');
      expect((await db().selectFrom('users').select('presence').where('id', '=', anaId).executeTakeFirstOrThrow()).presence).toBe('available');
      const saved = await admin.submit(`/admin/users/${anaId}/`, { display_name: 'Ana', email: 'ana@team.test', password: 'a new password' }, `/admin/users/${anaId}/profile/`);
      expect(saved.statusCode).toBe(303);
      expect(visibleText(await admin.get(`/admin/users/${anaId}/`))).toContain('Their sessions ended');
      expect(await db().selectFrom('sessions').select('id').where('user_id', '=', anaId).execute()).toEqual([]);
      expect((await db().selectFrom('users').select('presence').where('id', '=', anaId).executeTakeFirstOrThrow()).presence).toBe('offline');
      expect((await ana.get('/agents/dashboard/')).statusCode).toBe(303);
      expect((await new Client(t.app).login('ana')).statusCode).toBe(401);
      expect((await new Client(t.app).login('ana', 'a new password')).statusCode).toBe(303);
    });

    it('asks an admin without an email by a message at login when another admin has one (no notice says it then)', async () => {
      const second = await addStaff(t.ctx, 'second', { role: 'admin' });
      await db().updateTable('users').set({ email: '' }).where('id', '=', second).execute();
      const client = new Client(t.app);
      const login = await client.login('second');
      expect(login.headers.location).toBe(`/admin/users/${second}/#profile`);
      const landing = await client.get(`/admin/users/${second}/`);
      expect(noticesIn(landing.body)).toEqual([]);
      expect(visibleText(landing)).toContain('Add your email address, so that alerts about waiting tickets (SLA warnings and breaches) reach you.');
      // Once only: the next page view has no message.
      expect(visibleText(await client.get(`/admin/users/${second}/`))).not.toContain('Add your email address');
    });

    it("an admin's own new password keeps this session and ends the others", async () => {
      const elsewhere = new Client(t.app);
      await elsewhere.login('admin', 'first-admin-pass');
      const saved = await admin.submit(`/admin/users/${adminId}/`, { display_name: 'Ada Admin', email: 'ada@team.test', password: 'another password', current_password: 'first-admin-pass' }, `/admin/users/${adminId}/profile/`);
      expect(saved.statusCode).toBe(303);
      expect(visibleText(await admin.get(`/admin/users/${adminId}/`))).toContain('You stay logged in here; your other sessions ended.');
      expect((await elsewhere.get('/admin/')).statusCode).toBe(303);
    });

    it('says email is not being delivered while the newest email was only logged, and stops once one is sent', async () => {
      await newTicket(t.ctx);
      await send(createLogMailer(memoryLogger()));
      const logged = await db().selectFrom('outbox').select('status').execute();
      expect(new Set(logged.map((r) => r.status))).toEqual(new Set(['logged']));
      for (const url of ADMIN_PAGES) expect(await notices(admin, url), url).toEqual(['email-not-delivered']);
      const list = await admin.get('/admin/emails/?status=logged');
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain('Logged, not sent');

      const smtp = await startSmtpServer();
      try {
        await newTicket(t.ctx);
        await send(createSmtpMailer(smtp.url));
        expect(smtp.received).toHaveLength(1);
      } finally {
        await smtp.close();
      }
      // Emails go out now, inviting answers that nothing reads: no mailbox, no inbound token, no mail in.
      for (const url of ADMIN_PAGES) expect(await notices(admin, url), url).toEqual(['answers-not-read']);
      const inbound = await createApiToken(t.ctx, adminId, 'mail pipe', 'inbound');
      for (const url of ADMIN_PAGES) expect(await notices(admin, url), url).toEqual([]);
      await revokeApiToken(t.ctx, inbound.id, null);
      expect(await notices(admin, ADMIN_PAGES[0]!)).toEqual(['answers-not-read']);
      // A server that reads a mailbox (IMAP_URL) says nothing.
      const reading = await startTestApp(dialect, { config: { inbound: { imapUrl: 'imap://u:p@127.0.0.1:1/INBOX', imapPollSeconds: 30, imapLeaseSeconds: 60, imapProcessedFolder: 'Processed', maxBytes: 1_000_000, ticketsPerHour: 20 } } });
      try {
        const other = await adminClient(reading, 'mailboxadmin');
        await reading.ctx.handle.db.insertInto('outbox').values((await db().selectFrom('outbox').selectAll().where('status', '=', 'sent').limit(1).execute()).map(({ id: _id, ...row }) => ({ ...row, ticket_id: null }))).execute();
        expect(await notices(other.client, ADMIN_PAGES[0]!)).not.toContain('answers-not-read');
      } finally {
        await reading.close();
      }
    });
  });
}
