/**
 * A notice to the account's address when its password or address changes (SPEC §15): a staff
 * member whose account is taken over hears of it at the mailbox they still hold — for a new address,
 * the OLD one. One email per change, written to the outbox in the change's transaction, delivered
 * here to a real SMTP server; nothing for a change that saves nothing or touches neither.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AccountMailDesk, accountMailDesk } from '../support/accountMail.js';
import { Client, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

const LINK = /http:\/\/helpdesk\.test(\/agents\/password\/reset\/[A-Za-z0-9_-]{43}\/)/;

for (const dialect of DIALECTS) {
  describe(`a notice of a changed password or address (${dialect})`, () => {
    let desk: AccountMailDesk;
    let t: TestApp;
    let bea: number;
    let name = '';
    const notices = () => desk.notices();
    const deliver = () => desk.deliver();

    /** Bea's own account page, signed in as her. */
    async function own(fields: Record<string, string>) {
      const client = new Client(t.app);
      await client.login(name, 'password123');
      return client.submit('/agents/account/', { display_name: 'Bea', email: `${name}@team.test`, ...fields });
    }

    beforeAll(async () => {
      desk = await accountMailDesk(dialect);
      t = desk.t;
    });
    afterAll(() => desk.close());
    beforeEach(async () => {
      ({ id: bea, name } = await desk.freshAccount());
    });

    it('mails the account once when its owner sets a new password, never saying the password', async () => {
      expect((await own({ password: 'brand new secret', password_confirm: 'brand new secret', current_password: 'password123' })).statusCode).toBe(303);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      const mails = await deliver();
      expect(mails).toHaveLength(1);
      expect(mails[0]!.rcptTo).toEqual([`${name}@team.test`]);
      expect(mails[0]!.parsed.subject).toBe('Your Helpdesk password was changed');
      expect(mails[0]!.parsed.text).toContain(`The password of the Helpdesk account "${name}" was changed`);
      expect(mails[0]!.parsed.text).toContain('/agents/password/reset/');
      expect(mails[0]!.parsed.text).not.toContain('brand new secret');
    });

    it('mails the OLD address, and only it, when the address changes', async () => {
      expect((await own({ email: `${name}@elsewhere.test`, current_password: 'password123' })).statusCode).toBe(303);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      const mails = await deliver();
      expect(mails.map((m) => m.rcptTo)).toEqual([[`${name}@team.test`]]);
      expect(mails[0]!.parsed.subject).toBe('Your Helpdesk email address was changed');
      expect(mails[0]!.parsed.text).toContain(`${name}@elsewhere.test`);
    });

    it('mails one notice for both at once, to the old address', async () => {
      const saved = await own({ email: `${name}@elsewhere.test`, password: 'brand new secret', password_confirm: 'brand new secret', current_password: 'password123' });
      expect(saved.statusCode).toBe(303);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      const mails = await deliver();
      expect(mails[0]!.parsed.subject).toBe('Your Helpdesk password and email address were changed');
    });

    it('mails nothing for a new display name, a change refused, or the address in another letter case', async () => {
      expect((await own({ display_name: 'Bea Brave' })).statusCode).toBe(303);
      expect((await own({ password: 'brand new secret', password_confirm: 'brand new secret', current_password: 'wrong one' })).statusCode).toBe(400);
      expect((await own({ email: 'root@team.test', current_password: 'password123' })).statusCode).toBe(400);
      expect((await own({ email: `${name.toUpperCase()}@team.test`, current_password: 'password123' })).statusCode).toBe(303);
      expect(await notices()).toEqual([]);
    });

    it('mails the account when an admin sets its password or address on the user page', async () => {
      const admin = new Client(t.app);
      await admin.login('root');
      const saved = await admin.submit(`/admin/users/${bea}/`, { display_name: 'Bea', email: `${name}@new.test`, password: 'set by the admin' }, `/admin/users/${bea}/profile/`);
      expect(saved.statusCode).toBe(303);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      const mails = await deliver();
      expect(mails[0]!.parsed.text).toContain('by an admin');
      expect(mails[0]!.parsed.text).not.toContain('set by the admin');
    });

    it('mails the account when a reset link sets a new password', async () => {
      await new Client(t.app).submit('/agents/password/reset/', { email: `${name}@team.test` });
      const link = LINK.exec((await deliver())[0]!.parsed.text ?? '')![1]!;
      expect((await new Client(t.app).submit('/agents/password/reset/', { password: 'from the link', password_confirm: 'from the link' }, link)).statusCode).toBe(303);
      expect(await notices()).toEqual([{ to_address: `${name}@team.test`, kind: 'account_changed' }]);
      expect(await deliver()).toHaveLength(1);
    });
  });
}
