/**
 * Named leases (the IMAP watcher's, §10) on both engines: one statement takes or renews a lease, and
 * of many processes racing for it exactly one wins; a lease runs out unless renewed, and then
 * another takes it; a clean stop gives it up at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { Lease } from '../../src/jobs/lease.js';
import { acquireLease, readLease, releaseLease } from '../../src/repositories/leases.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../mail/support/imap.js';

const clock = { now: () => Date.now() };

describe.each(DIALECTS)('leases (%s)', (dialect) => {
  let database: TestDatabase;
  const opened: DbHandle[] = [];
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.destroy();
    await database.drop();
  });

  it('is taken once, renewed only by its holder, and taken by another once it ran out', async () => {
    const db = database.handle.db;
    expect(await acquireLease(db, 'imap', 'a', 1_000, 60_000)).toBe(true);
    expect(await acquireLease(db, 'imap', 'b', 30_000, 60_000), 'held by a').toBe(false);
    expect(await acquireLease(db, 'imap', 'a', 40_000, 60_000), 'a renews').toBe(true);
    expect(await readLease(db, 'imap')).toEqual({ name: 'imap', holder: 'a', expires_at: 100_000 });
    expect(await acquireLease(db, 'imap', 'b', 99_999, 60_000), 'renewed: still a’s').toBe(false);
    expect(await acquireLease(db, 'imap', 'b', 100_001, 60_000), 'ran out').toBe(true);
    expect(await readLease(db, 'imap')).toEqual({ name: 'imap', holder: 'b', expires_at: 160_001 });
    // Another name is another lease.
    expect(await acquireLease(db, 'other', 'a', 100_001, 60_000)).toBe(true);

    await releaseLease(db, 'imap', 'a');
    expect((await readLease(db, 'imap'))?.holder, 'only the holder gives a lease up').toBe('b');
    await releaseLease(db, 'imap', 'b');
    expect(await readLease(db, 'imap')).toBeUndefined();
  });

  it('of processes racing for a free or run-out lease, exactly one wins', async () => {
    const handles = Array.from({ length: 4 }, () => connect(database.url, { poolSize: 2 }));
    opened.push(...handles);
    for (let round = 0; round < 5; round++) {
      // Each round starts after the previous lease ran out (or, first, with none).
      const now = 1_000_000 + round * 100_000;
      const attempts = handles.flatMap((handle, h) => [0, 1].map((i) => acquireLease(handle.db, 'race', `p${h}-${i}`, now, 60_000)));
      const won = await Promise.all(attempts);
      expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
      const winner = `p${Math.floor(won.indexOf(true) / 2)}-${won.indexOf(true) % 2}`;
      expect(await readLease(database.handle.db, 'race')).toEqual({ name: 'race', holder: winner, expires_at: now + 60_000 });
    }
  });

  it('one of two processes holds it; a clean stop hands it to the other, a lost database lets it run out', async () => {
    const lost = connect(database.url);
    opened.push(lost);
    const changes: string[] = [];
    const errors: unknown[] = [];
    const first = new Lease({ handle: lost, clock }, 'imap', {
      holder: 'first',
      durationMs: 1500,
      renewEveryMs: 300,
      onChange: (held) => changes.push(`first ${held}`),
      onError: (error) => errors.push(error),
    }).start();
    await until(() => first.held, 'the first to hold it');
    const second = new Lease({ handle: database.handle, clock }, 'imap', { holder: 'second', durationMs: 1500, renewEveryMs: 300, onChange: (held) => changes.push(`second ${held}`) }).start();
    const third = new Lease({ handle: database.handle, clock }, 'imap', { holder: 'third', durationMs: 1500, renewEveryMs: 300 }).start();
    // Several renewals later the first still holds it, and nobody else does.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([first.held, second.held, third.held]).toEqual([true, false, false]);

    // The first loses its database: it can neither renew nor give it up.
    await lost.destroy();
    opened.splice(opened.indexOf(lost), 1);
    await until(() => second.held || third.held, 'another to take it once it ran out', 30_000);
    expect(first.held).toBe(false);
    expect(errors.length, 'the failed renewals were reported').toBeGreaterThan(0);
    await first.stop();

    const holder = second.held ? second : third;
    const other = holder === second ? third : second;
    await holder.stop();
    expect(holder.held).toBe(false);
    await until(() => other.held, 'the other to take it after the clean stop', 30_000);
    expect((await readLease(database.handle.db, 'imap'))?.holder).toBe(other.holder);
    await other.stop();
    expect(await readLease(database.handle.db, 'imap'), 'given up on stop').toBeUndefined();
    // (The first stops holding when its lease runs out, the moment another may take it: either may be told first.)
    expect(changes[0]).toBe('first true');
    expect(changes.filter((c) => c.startsWith('first'))).toEqual(['first true', 'first false']);
  });

  it('refuses durations where renewal would come too late', () => {
    expect(() => new Lease({ handle: database.handle, clock }, 'imap', { durationMs: 1000, renewEveryMs: 1000 })).toThrow(/renewed more often/);
  });
});
