import { describe, expect, it } from 'vitest';
import { ticketLanes } from '../../src/core/ticketLanes.js';

const row = (id: number, ticket_id: number | null) => ({ id, ticket_id });
const ids = (lanes: { id: number }[][]) => lanes.map((lane) => lane.map((r) => r.id));

describe('ticketLanes', () => {
  it.each([
    { name: 'no emails', rows: [], lanes: [] },
    { name: 'one ticket, written order', rows: [row(3, 7), row(1, 7), row(2, 7)], lanes: [[1, 2, 3]] },
    { name: 'tickets interleaved', rows: [row(1, 7), row(2, 8), row(3, 7), row(4, 8), row(5, 9)], lanes: [[1, 3], [2, 4], [5]] },
    { name: 'emails of no ticket each alone', rows: [row(1, null), row(2, null), row(3, 7)], lanes: [[1], [2], [3]] },
    { name: 'lanes in the order of their first email', rows: [row(9, 1), row(4, 2), row(5, 1)], lanes: [[4], [5, 9]] },
  ])('$name', ({ rows, lanes }) => {
    expect(ids(ticketLanes(rows))).toEqual(lanes);
  });
});
