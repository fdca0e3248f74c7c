import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/repositories/events.js';
import { describeForCustomer, spanInWords } from '../../src/views/tickets.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('spans of time in the words a customer reads', () => {
  it.each([
    [1 * SECOND, '1 second'],
    [45 * SECOND, '45 seconds'],
    [60 * SECOND, '1 minute'],
    [2 * MINUTE, '2 minutes'],
    [2 * MINUTE + 29 * SECOND, '2 minutes'],
    [2 * MINUTE + 31 * SECOND, '3 minutes'],
    [59 * MINUTE + 40 * SECOND, '1 hour'],
    [HOUR + 5 * MINUTE, '1 hour and 5 minutes'],
    [HOUR + MINUTE, '1 hour and 1 minute'],
    [3 * HOUR, '3 hours'],
    [47 * HOUR + 59 * MINUTE, '47 hours and 59 minutes'],
    [3 * 24 * HOUR, '3 days'],
  ])('%i ms reads "%s"', (ms, words) => {
    expect(spanInWords(ms)).toBe(words);
  });
});

describe('the status page timeline in plain words', () => {
  const created = Date.UTC(2026, 10, 27, 9, 0, 0);
  const entry = (type: TimelineEntry['type'], after: number, names: Partial<Pick<TimelineEntry, 'to_name' | 'from_name' | 'actor_name' | 'metric'>> = {}): TimelineEntry => ({
    id: 1,
    type,
    at: created + after,
    metric: names.metric ?? null,
    from_username: null,
    from_name: names.from_name ?? null,
    to_username: null,
    to_name: names.to_name ?? null,
    actor_username: null,
    actor_name: names.actor_name ?? null,
  });

  it.each([
    [entry('created', 0), 'You wrote to us, and your request joined the queue for the next free agent'],
    [entry('created', 0, { to_name: 'Alice' }), 'You wrote to us, and Alice took your request right away'],
    [entry('assigned', 2 * MINUTE, { to_name: 'Alice' }), 'Assigned to Alice 2 minutes after you wrote'],
    [entry('assigned', 400, { to_name: 'Alice' }), 'Assigned to Alice right away'],
    [entry('reassigned', 30 * SECOND, { from_name: 'Alice', to_name: 'Bob' }), 'Moved to Bob 30 seconds after you wrote'],
    [entry('requeued', HOUR + 5 * MINUTE, { from_name: 'Bob' }), 'Back in the queue for the next free agent 1 hour and 5 minutes after you wrote'],
    [entry('closed', 3 * HOUR, { actor_name: 'Bob', from_name: 'Bob' }), 'Closed by Bob 3 hours after you wrote'],
    [entry('closed', MINUTE, { from_name: 'Bob' }), 'Closed by Bob 1 minute after you wrote'],
    [entry('sla_breached', 4 * MINUTE), 'Our answer is late: the time we promised ran out 4 minutes after you wrote'],
    [entry('sla_breached', 4 * MINUTE, { metric: 'resolution' }), 'Our answer is late: the time we promised ran out 4 minutes after you wrote'],
    [entry('sla_breached', 2 * MINUTE, { metric: 'first_response' }), 'Our first answer is late: the time we promised ran out 2 minutes after you wrote'],
    [entry('sla_breached', 9 * MINUTE, { metric: 'next_reply' }), 'Our answer to your latest message is late: the time we promised ran out 9 minutes after you wrote'],
  ])('%#: %s', (e, words) => {
    expect(describeForCustomer(e, created)).toBe(words);
  });
});
