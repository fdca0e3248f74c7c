/**
 * A notice to the account's address when its second factor changes (SPEC §15), as for a changed
 * password or address: turned on, turned off, reset by an admin, new recovery codes. Whoever took
 * over a session and put their own phone on the account (or removed its owner's) is heard of at
 * the mailbox its owner holds. One `account_changed` email per change, written to the outbox in the
 * change's transaction, delivered here to a real SMTP server; nothing for a change refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AccountMailDesk, accountMailDesk } from '../support/accountMail.js';
import { Client, csrfFrom, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, secretOf } from '../support/totp.js';

for (const dialect of DIALECTS) {
  describe(`a notice of a changed second factor (${dialect})`, () => {
    let desk: AccountMailDesk;
    let t: TestApp;
    let bea: number;
    let name = '';
    let client: Client;
    const notices = () => desk.notices();
    const deliver = () => desk.deliver();

    /** Turns Bea's second factor on from her account page. */
    async function enrol(currentPassword = 'password123') {
      const page = await client.get('/agents/account/two-factor/');
      return client.post('/agents/account/two-factor/', { current_password: currentPassword, code: codeAt(secretOf(page.body), desk.clock.now()), enrolment: enrolmentOf(page.body), _csrf: csrfFrom(page.body) });
    }

    beforeAll(async () => {
      desk = await accountMailDesk(dialect);
      t = desk.t;
    });
    afterAll(() => desk.close());
    beforeEach(async () => {
      ({ id: bea, name } = await desk.freshAccount());
      // Signed in as the fresh account.
      client = new Client(t.app);
      expect((await client.login(name)).statusCode).toBe(303);
    });

    it('mails the account when its owner turns two-factor sign-in on, and nothing when refused', async () => {
      expect((await enrol('a wrong one')).statusCode).toBe(400);
      expect(await notices()).toEqual([]);
      expect((await enrol()).statusCode).toBe(200);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      const mails = await deliver();
      expect(mails.map((m) => m.rcptTo)).toEqual([[`${name}@team.test`]]);
      expect(mails[0]!.parsed.subject).toBe('Two-factor sign-in was turned on for your Helpdesk account');
      expect(mails[0]!.parsed.text).toContain(`Two-factor sign-in was turned on for the Helpdesk account "${name}" on its own account page on `);
      expect(mails[0]!.parsed.text).toContain('/agents/password/reset/');
    });

    it('mails the account when its owner makes new recovery codes, and when it turns two-factor sign-in off', async () => {
      expect((await enrol()).statusCode).toBe(200);
      await deliver();
      expect((await client.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/codes/')).statusCode).toBe(200);
      const codes = await deliver();
      expect(codes.map((m) => m.parsed.subject)).toEqual(['New recovery codes were made for your Helpdesk account']);
      expect(codes[0]!.parsed.text).toContain('The earlier recovery codes no longer work.');
      expect((await client.submit('/agents/account/two-factor/', { current_password: 'password123' }, '/agents/account/two-factor/off/')).statusCode).toBe(303);
      const off = await deliver();
      expect(off.map((m) => [m.rcptTo, m.parsed.subject])).toEqual([[[`${name}@team.test`], 'Two-factor sign-in was turned off for your Helpdesk account']]);
    });

    it('mails the account when an admin resets its second factor, and nothing when there was none to reset', async () => {
      const admin = new Client(t.app);
      await admin.login('root');
      expect((await admin.submit(`/admin/users/${bea}/`, {}, `/admin/users/${bea}/two-factor/reset/`)).statusCode).toBe(303);
      expect(await notices()).toEqual([]);
      expect((await enrol()).statusCode).toBe(200);
      await deliver();
      expect((await admin.submit(`/admin/users/${bea}/`, {}, `/admin/users/${bea}/two-factor/reset/`)).statusCode).toBe(303);
      const mails = await deliver();
      expect(mails.map((m) => [m.rcptTo, m.parsed.subject])).toEqual([[[`${name}@team.test`], 'Two-factor sign-in was reset for your Helpdesk account']]);
      expect(mails[0]!.parsed.text).toContain(`Two-factor sign-in was reset for the Helpdesk account "${name}" by an admin on `);
    });
  });
}
