/**
 * The presence history the forecast's backtest replays (SPEC §14): every change of an agent's
 * presence — login, away, logout, deactivation — is one row with its instant, written in the
 * transaction of the change; admins, who are never routed tickets, leave none. The reader starts a
 * window from each agent's last change before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deactivateUser } from '../../src/services/admin.js';
import { login, logout } from '../../src/services/auth.js';
import type { ServiceContext } from '../../src/services/context.js';
import { changePresence } from '../../src/services/presence.js';
import { presenceChangesIn } from '../../src/repositories/presenceHistory.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const MIN = 60_000;

describe.each(DIALECTS)('presence history (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('records each change of an agent with its instant, none for an admin, and reads a window from who was on duty', async () => {
    const clock = new FakeClock(T0);
    const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    const adminId = await addStaff(ctx, 'root', { role: 'admin' });
    const ann = await addStaff(ctx, 'ann');
    const bob = await addStaff(ctx, 'bob');
    const session = await login(ctx, 'ann', 'password123', { idleMinutes: 480 });
    await login(ctx, 'root', 'password123', { idleMinutes: 480 });
    clock.advance(10 * MIN);
    await changePresence(ctx, bob, 'available');
    clock.advance(10 * MIN);
    await changePresence(ctx, ann, 'away');
    clock.advance(10 * MIN);
    await logout(ctx, session.token);
    clock.advance(10 * MIN);
    await deactivateUser(ctx, adminId, bob);

    const rows = await database.handle.db.selectFrom('presence_history').select(['user_id', 'at', 'presence']).orderBy('id').execute();
    expect(rows.map((r) => ({ ...r, at: Number(r.at) }))).toEqual([
      { user_id: ann, at: T0, presence: 'available' },
      { user_id: bob, at: T0 + 10 * MIN, presence: 'available' },
      { user_id: ann, at: T0 + 20 * MIN, presence: 'away' },
      { user_id: ann, at: T0 + 30 * MIN, presence: 'offline' },
      { user_id: bob, at: T0 + 40 * MIN, presence: 'offline' },
    ]);

    // From T0 + 15 min: ann's away, bob's available carried to the start, then the changes after.
    const changes = [
      { userId: ann, at: T0 + 15 * MIN, presence: 'available' },
      { userId: bob, at: T0 + 15 * MIN, presence: 'available' },
      { userId: ann, at: T0 + 20 * MIN, presence: 'away' },
      { userId: ann, at: T0 + 30 * MIN, presence: 'offline' },
    ];
    expect(await presenceChangesIn(database.handle.db, [ann, bob], T0 + 15 * MIN, T0 + 35 * MIN, 100)).toEqual({ changes, truncated: false });
    expect(await presenceChangesIn(database.handle.db, [ann, bob], T0 + 15 * MIN, T0 + 35 * MIN, 2)).toEqual({ changes, truncated: false });
    expect(await presenceChangesIn(database.handle.db, [ann, bob], T0 + 15 * MIN, T0 + 35 * MIN, 1)).toEqual({ changes: changes.slice(0, 3), truncated: true });
    expect(await presenceChangesIn(database.handle.db, [], T0, T0 + 60 * MIN, 100)).toEqual({ changes: [], truncated: false });
  });
});
