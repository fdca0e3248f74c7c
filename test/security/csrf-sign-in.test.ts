/**
 * A browser's CSRF tokens belong to whoever is signed in with it (SPEC §15, README "Staff
 * accounts"): a sign-in and a sign-out give the browser a new CSRF secret. Otherwise whoever used
 * a shared front-desk browser before (or read its login page) keeps a token that also works for the
 * next person signed in there, and a page of theirs can post any form as that person: an agent
 * registering an admin of their own in an admin's name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`CSRF tokens across a sign-in (${dialect})`, () => {
    let t: TestApp;
    const db = () => t.ctx.handle.db;
    const usernames = async () => (await db().selectFrom('users').select('username').orderBy('id').execute()).map((u) => u.username);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'mal');
      await addStaff(t.ctx, 'boss', { role: 'admin' });
    });
    afterAll(() => t.close());

    /** What a page of mal's site makes the front desk's browser post, with a token mal read there. */
    const forgedRegister = (desk: Client, token: string, username: string) =>
      desk.post('/adminapp/register/', { username, display_name: 'Mallory', email: `${username}@team.test`, password: 'taken-over-1', role: 'admin', capacity: '', _csrf: token });

    it("refuses a token read before someone else's sign-in on the same browser: mal's own session, signed out", async () => {
      const desk = new Client(t.app);
      expect((await desk.login('mal')).statusCode).toBe(303);
      const token = csrfFrom((await desk.get('/agents/dashboard/')).body);
      expect((await desk.post('/agents/logout/', { _csrf: token })).statusCode).toBe(303);
      expect((await desk.login('boss')).statusCode).toBe(303);

      const before = await usernames();
      const forged = await forgedRegister(desk, token, 'mallory');
      expect(forged.statusCode).toBe(403);
      expect(await usernames()).toEqual(before);
      // The admin's own pages work as ever.
      expect((await desk.submit('/adminapp/register/', { username: 'newbie', display_name: 'Newbie', email: 'newbie@team.test', password: 'welcome-123', role: 'agent', capacity: '' })).statusCode).toBe(303);
    });

    it('refuses a token read from the login page before the sign-in', async () => {
      const desk = new Client(t.app);
      const token = csrfFrom((await desk.get('/agents/login/')).body);
      expect((await desk.login('boss')).statusCode).toBe(303);
      const before = await usernames();
      expect((await forgedRegister(desk, token, 'mallory2')).statusCode).toBe(403);
      expect(await usernames()).toEqual(before);
    });
  });
}
