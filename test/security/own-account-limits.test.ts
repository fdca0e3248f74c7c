/**
 * The current password typed on one's own pages (My account, two-factor set-up, new recovery
 * codes, two-factor off) is a guess like a login's: a wrong one counts as a failed sign-in of the
 * address and the account (README, "My account"), a right one counts nothing — as a login that
 * succeeds counts nothing. Otherwise a team behind one office address turning two-factor on one
 * morning used up the address's failed sign-ins, and everyone there was refused at the login.
 */
import { describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { codeAt, enrolmentOf, secretOf } from '../support/totp.js';


const OFFICE = '203.0.113.50';

for (const dialect of DIALECTS) {
  describe(`own-account checks under the login limits (${dialect})`, () => {
    it('counts a right current password nothing, and a wrong one as a failed sign-in', async () => {
      const limit = { max: 2, windowMs: 60_000 };
      const clock = new FakeClock(Date.UTC(2026, 11, 6, 9, 0, 0));
      const t = await startTestApp(dialect, { clock, config: { rateLimit: true, rateLimits: { loginPerAddress: limit, loginPerUsername: limit, ticketsPerAddress: limit } } });
      try {
        await addStaff(t.ctx, 'ana');
        const ana = new Client(t.app, { remoteAddress: OFFICE });
        expect((await ana.login('ana')).statusCode).toBe(303);
        const post = async (page: string, action: string, fields: Record<string, string>) => {
          const form = await ana.get(page);
          return ana.post(action, { ...fields, _csrf: csrfFrom(form.body) });
        };

        // More right current passwords than the limit allows failures: every change goes through.
        const passwords = ['second-pass-2', 'third-pass-33', 'fourth-pass-444'];
        let current = 'password123';
        for (const password of passwords) {
          const saved = await post('/agents/account/', '/agents/account/', { display_name: 'Ana', email: 'ana@team.test', current_password: current, password, password_confirm: password });
          expect(saved.statusCode, `new password ${password}`).toBe(303);
          current = password;
        }
        // Two-factor on, new recovery codes, off: each with the right password (and code).
        const setUp = await ana.get('/agents/account/two-factor/');
        const on = await ana.post('/agents/account/two-factor/', { current_password: current, code: codeAt(secretOf(setUp.body), clock.now()), enrolment: enrolmentOf(setUp.body), _csrf: csrfFrom(setUp.body) });
        expect(on.statusCode).toBe(200);
        expect((await post('/agents/account/two-factor/', '/agents/account/two-factor/codes/', { current_password: current })).statusCode).toBe(200);
        expect((await post('/agents/account/two-factor/', '/agents/account/two-factor/off/', { current_password: current })).statusCode).toBe(303);
        // A colleague at the same office still signs in.
        await addStaff(t.ctx, 'ben');
        expect((await new Client(t.app, { remoteAddress: OFFICE }).login('ben')).statusCode).toBe(303);

        // Wrong current passwords count: after two, the next try is refused unchecked.
        for (let i = 0; i < 2; i++) {
          const wrong = await post('/agents/account/', '/agents/account/', { display_name: 'Ana', email: 'ana@team.test', current_password: 'not-my-password', password: 'fifth-pass-5555', password_confirm: 'fifth-pass-5555' });
          expect(wrong.statusCode, `wrong password ${i + 1}`).toBe(400);
        }
        const refused = await post('/agents/account/', '/agents/account/', { display_name: 'Ana', email: 'ana@team.test', current_password: current, password: 'fifth-pass-5555', password_confirm: 'fifth-pass-5555' });
        expect(refused.statusCode).toBe(429);
        expect(refused.headers['retry-after']).toBeDefined();
      } finally {
        await t.close();
      }
    });
  });
}
