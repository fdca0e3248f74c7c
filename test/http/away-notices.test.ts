/**
 * What the agent is told on going away (R5): with release_on_logout on, its open tickets go back to
 * the queue, and neither the Away button's message nor the auto-away notice may say it keeps them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { updateSettings } from '../../src/services/admin.js';
import { autoAwayIdle } from '../../src/services/autoAway.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const MINUTE = 60_000;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

for (const dialect of DIALECTS) {
  describe(`going away with release on logout (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let root: number;

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { autoAwayMinutes: 5 } });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      await addStaff(t.ctx, 'alice');
      await updateSettings(t.ctx, { id: root, username: 'root', address: '127.0.0.1' }, (s) => ({ ...s, releaseOnLogout: true }));
    });
    afterAll(() => t.close());

    it('the Away button says the open tickets went back to the queue, not that the agent keeps them', async () => {
      const alice = new Client(t.app);
      await alice.login('alice');
      const token = await submitViaForm(new Client(t.app));
      expect((await findTicketByToken(t.ctx.handle.db, token))!.agent_id).not.toBeNull();
      const dashboard = await alice.get('/agents/dashboard/');
      expect((await alice.submit('/agents/dashboard/', { status: 'away' }, '/agents/availability/')).statusCode).toBe(303);
      expect((await findTicketByToken(t.ctx.handle.db, token))!.agent_id).toBeNull();
      const page = text((await alice.get('/agents/dashboard/')).body);
      expect(dashboard.statusCode).toBe(200);
      expect(page).not.toMatch(/keep your tickets/i);
      expect(page).toMatch(/1 open ticket went back to the queue/);
    });

    it('the auto-away notice does not say the agent keeps its tickets either', async () => {
      const alice = new Client(t.app);
      await alice.login('alice');
      await submitViaForm(new Client(t.app));
      clock.advance(6 * MINUTE);
      const aliceId = (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
      expect(await autoAwayIdle(t.ctx, 5, new Set())).toEqual([aliceId]);
      const page = text((await alice.get('/agents/dashboard/')).body);
      expect(page).toMatch(/You were set away after 5 minutes/);
      expect(page).not.toMatch(/keep your tickets/i);
      expect(page).toMatch(/your open tickets went back to the queue/i);
    });
  });
}
