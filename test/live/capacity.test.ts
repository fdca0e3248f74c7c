/**
 * An agent's dashboard says "2 of 3 open": the capacity is on its live page. An admin who changes
 * it while the page is open must reach that page, as a change of the agent's tickets or presence
 * does, so the page refetches: a lowered capacity moves no ticket and used to send nothing, and
 * the page said "of 3" until some other change came by. So with the default capacity, which the
 * agents without one of their own have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/repositories/settings.js';
import { findUserByUsername } from '../../src/repositories/users.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, Client } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, SseClient, sessionCookie, startLiveApp } from './support.js';

for (const dialect of DIALECTS) {
  describe(`an agent's capacity changed while its page is open (${dialect})`, () => {
    let database: TestDatabase;
    let live: LiveApp;
    let alice: number;
    const streams: SseClient[] = [];

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      live = await startLiveApp(database.handle, database.url, { heartbeatMs: 60_000 });
      alice = await addStaff(live.ctx, 'alice', { capacity: 3 });
      await addStaff(live.ctx, 'bob', { capacity: 3 });
      await addStaff(live.ctx, 'boss', { role: 'admin' });
    });
    afterAll(async () => {
      for (const s of streams) s.close();
      await live.close();
      await database.drop();
    });

    it("tells the agent's stream, and not another agent's, and its page then shows the new capacity", async () => {
      const agent = new Client(live.app);
      await agent.login('alice');
      const other = new Client(live.app);
      await other.login('bob');
      const [mine, bobs] = [agent, other].map((c) => new SseClient(`${live.baseUrl}/agents/events/`, sessionCookie(c.cookie('hd_session'))));
      streams.push(mine!, bobs!);
      await mine!.connected();
      await bobs!.connected();
      expect((await agent.get('/agents/dashboard/')).body).toContain('0 of 3 open');

      const admin = new Client(live.app);
      await admin.login('boss');
      const lowered = await admin.submit(`/admin/users/${alice}/`, { capacity: '1' }, `/admin/users/${alice}/capacity/`);
      expect(lowered.statusCode).toBe(303);
      await mine!.until(() => mine!.events.some((e) => e.event !== 'hello'), 3000, "an event on alice's stream");
      expect(mine!.data('presence')).toEqual([{ agentId: alice, presence: 'available' }]);
      expect((await agent.get('/agents/dashboard/')).body).toContain('0 of 1 open');
      // Bob's page shows nothing of Alice's.
      expect(bobs!.events.filter((e) => e.event !== 'hello')).toEqual([]);
      expect(live.errors).toEqual([]);
    });

    it('tells the pages of the agents on the default capacity when the default changes, and no one else', async () => {
      const carol = await addStaff(live.ctx, 'carol'); // the default capacity
      const agent = new Client(live.app);
      await agent.login('carol');
      const other = new Client(live.app);
      await other.login('bob'); // his own capacity, 3
      const [hers, bobs] = [agent, other].map((c) => new SseClient(`${live.baseUrl}/agents/events/`, sessionCookie(c.cookie('hd_session'))));
      streams.push(hers!, bobs!);
      await hers!.connected();
      await bobs!.connected();
      const { defaultCapacity } = await loadSettings(live.ctx.handle.db);
      expect((await agent.get('/agents/dashboard/')).body).toContain(`0 of ${defaultCapacity} open`);

      const admin = new ApiClient(live.app, (await createApiToken(live.ctx, (await findUserByUsername(live.ctx.handle.db, 'boss'))!.id, 'settings')).token);
      expect((await admin.patch('/api/v1/settings', { default_capacity: defaultCapacity + 4 })).status).toBe(200);
      await hers!.until(() => hers!.data('presence').length > 0, 3000, "an event on carol's stream");
      expect(hers!.data('presence')).toEqual([{ agentId: carol, presence: 'available' }]);
      expect((await agent.get('/agents/dashboard/')).body).toContain(`0 of ${defaultCapacity + 4} open`);
      expect(bobs!.events.filter((e) => e.event !== 'hello')).toEqual([]);
      expect(live.errors).toEqual([]);
    });
  });
}
