import { describe, expect, it } from 'vitest';
import { type Applied, type Viewer, ViewerRegistry, type Viewing } from '../../src/core/viewers.js';

const TTL = 30_000;
/** Ben's page `s1` on ticket 7, with anything replaced. */
const viewing = (over: Partial<Viewing> = {}): Viewing => ({ stream: 's1', ticketId: 7, userId: 2, name: 'Ben', ttlMs: TTL, ...over });
const ben: Viewer = { userId: 2, name: 'Ben' };
const carla: Viewer = { userId: 3, name: 'Carla' };

describe('ViewerRegistry.apply', () => {
  // [what, announcements before (each heard at its time), the announcement, heard at, what apply says, ticket 7's viewers after]
  it.each<[string, [Viewing, number][], Viewing, number, Applied, Viewer[]]>([
    ['a first page is new and changes its ticket', [], viewing(), 0, { changed: [7], isNew: true }, [ben]],
    ['a renewal changes nothing anyone sees', [[viewing(), 0]], viewing(), 10_000, { changed: [], isNew: false }, [ben]],
    ['a renewal with a new display name changes the list', [[viewing(), 0]], viewing({ name: 'Benjamin' }), 10_000, { changed: [7], isNew: false }, [{ userId: 2, name: 'Benjamin' }]],
    ['a renewal after expiry (not yet swept) counts as new', [[viewing(), 0]], viewing(), TTL, { changed: [7], isNew: true }, [ben]],
    ['a page that moved to another ticket changes both', [[viewing({ ticketId: 8 }), 0]], viewing(), 1, { changed: [8, 7], isNew: false }, [ben]],
    ['leaving removes the page', [[viewing(), 0]], viewing({ ttlMs: 0 }), 1, { changed: [7], isNew: false }, []],
    ['leaving an unknown page changes nothing', [], viewing({ ttlMs: 0 }), 1, { changed: [], isNew: false }, []],
    ['leaving after expiry changes nothing anyone saw', [[viewing(), 0]], viewing({ ttlMs: 0 }), TTL + 1, { changed: [], isNew: false }, []],
    ['a second tab of the same person is new, listed once', [[viewing(), 0]], viewing({ stream: 's2' }), 1, { changed: [7], isNew: true }, [ben]],
    ['closing one of two tabs keeps the person', [[viewing(), 0], [viewing({ stream: 's2' }), 0]], viewing({ ttlMs: 0 }), 1, { changed: [7], isNew: false }, [ben]],
    ['another person joins', [[viewing(), 0]], viewing({ stream: 's3', userId: 3, name: 'Carla' }), 1, { changed: [7], isNew: true }, [ben, carla]],
  ])('%s', (_what, before, announcement, now, applied, after) => {
    const registry = new ViewerRegistry();
    for (const [v, at] of before) registry.apply(v, at);
    expect(registry.apply(announcement, now)).toEqual(applied);
    expect(registry.viewersOf(7, now)).toEqual(after);
  });
});

describe('ViewerRegistry.viewersOf', () => {
  const registry = new ViewerRegistry();
  registry.apply(viewing({ stream: 'c', userId: 3, name: 'Carla' }), 0);
  registry.apply(viewing({ stream: 'a', userId: 4, name: 'Anna' }), 0);
  registry.apply(viewing({ stream: 'b', userId: 2, name: 'Ben' }), 0);
  registry.apply(viewing({ stream: 'late', userId: 5, name: 'Dora', ttlMs: 1_000 }), 0);
  registry.apply(viewing({ stream: 'other', ticketId: 8, userId: 6, name: 'Eve' }), 0);

  it.each<[string, number, number, number | undefined, string[]]>([
    ['lists a ticket’s viewers by name', 7, 0, undefined, ['Anna', 'Ben', 'Carla', 'Dora']],
    ['leaves out the asking user', 7, 0, 3, ['Anna', 'Ben', 'Dora']],
    ['leaves out announcements past their time, swept or not', 7, 1_000, undefined, ['Anna', 'Ben', 'Carla']],
    ['keeps tickets apart', 8, 0, undefined, ['Eve']],
    ['knows no one on a ticket nobody opened', 9, 0, undefined, []],
    ['a viewer alone on a ticket sees nobody else', 8, 0, 6, []],
  ])('%s', (_what, ticketId, now, except, names) => {
    expect(registry.viewersOf(ticketId, now, except).map((v) => v.name)).toEqual(names);
  });
});

describe('ViewerRegistry.expire', () => {
  it('forgets announcements not renewed in time, and says which tickets changed', () => {
    const registry = new ViewerRegistry();
    registry.apply(viewing({ stream: 'a' }), 0);
    registry.apply(viewing({ stream: 'b', ticketId: 8, userId: 3, name: 'Carla' }), 0);
    registry.apply(viewing({ stream: 'c', ticketId: 9, userId: 4, name: 'Dora' }), 0);
    registry.apply(viewing({ stream: 'a' }), 20_000); // renewed
    expect(registry.expire(TTL - 1)).toEqual([]);
    expect(registry.expire(TTL)).toEqual([8, 9]);
    expect(registry.size).toBe(1);
    expect(registry.viewersOf(7, TTL)).toEqual([ben]);
    expect(registry.expire(TTL)).toEqual([]);
    expect(registry.expire(20_000 + TTL)).toEqual([7]);
    expect(registry.size).toBe(0);
  });
});
