/**
 * The presence expiry job with several processes at once (issue 22 item 3): each agent left
 * available with no session goes offline once, its tickets are released once, one event each.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { findUserById } from '../../src/repositories/users.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const run = promisify(execFile);
const IDLE = 480;

for (const dialect of DIALECTS) {
  describe(`presence expiry across processes (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { sessionIdleMinutes: IDLE } });
    });
    afterAll(() => t.close());

    it('three processes, two runs each, at once: each stranded agent goes offline once, each ticket is released once', async () => {
      const db = t.ctx.handle.db;
      await saveSettings(db, { ...DEFAULT_SETTINGS, releaseOnLogout: true });
      const alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      const bob = await addStaff(t.ctx, 'bob', { capacity: 2 });
      await new Client(t.app).login('alice');
      const tickets = [await submitViaForm(new Client(t.app)), await submitViaForm(new Client(t.app))];
      await new Client(t.app).login('bob');
      const bobsTicket = await submitViaForm(new Client(t.app));
      const ids = await Promise.all([...tickets, bobsTicket].map(async (token) => (await findTicketByToken(db, token))!.id));
      const before = await db.selectFrom('ticket_events').select('id').where('ticket_id', 'in', ids).execute();
      // The sessions vanish as after a crash; no time passes, so none is idle.
      await db.deleteFrom('sessions').execute();

      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const script = fileURLToPath(new URL('./support/expiry-process.ts', import.meta.url));
      const outputs = await Promise.all([1, 2, 3].map(() => run(tsx, [script, t.database.url, String(clock.now()), String(IDLE)], { timeout: 60_000 })));
      const parsed = outputs.map((o) => JSON.parse(o.stdout.trim()) as { results: { agentsOffline: number }[]; announced: number[] });
      expect(parsed.flatMap((p) => p.results).reduce((sum, r) => sum + r.agentsOffline, 0)).toBe(2);
      expect(parsed.flatMap((p) => p.announced).sort()).toEqual([alice, bob].sort());

      expect((await findUserById(db, alice))!.presence).toBe('offline');
      expect((await findUserById(db, bob))!.presence).toBe('offline');
      const events = await db.selectFrom('ticket_events').select(['id', 'ticket_id', 'type']).where('ticket_id', 'in', ids).orderBy('id').execute();
      const added = events.slice(before.length);
      expect(added.map((e) => e.type)).toEqual(['requeued', 'requeued', 'requeued']);
      expect(new Set(added.map((e) => e.ticket_id)).size).toBe(3);
      for (const token of [...tickets, bobsTicket]) expect((await findTicketByToken(db, token))!.agent_id).toBeNull();
    });
  });
}
