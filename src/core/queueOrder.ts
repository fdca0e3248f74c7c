/**
 * What the `deadline` queue order changes compared with `oldest` (§3), for the settings page. Pure.
 */
import { formatDuration, type SlaLimits } from './sla.js';
import type { Priority } from './tickets.js';

/** One way `deadline` reorders the queue: a `higher` ticket goes before a `lower` one that came in less than `seconds` earlier. */
export interface Overtaking {
  higher: Priority;
  lower: Priority;
  seconds: number;
}

const PAIRS: [Priority, Priority][] = [
  ['high', 'medium'],
  ['high', 'low'],
  ['medium', 'low'],
];

/**
 * Under `deadline` a ticket's place is created_at + its resolution target, so a ticket of a
 * priority with a shorter target goes before one of a longer target that came in less than the
 * difference earlier (under `oldest` the earlier one goes first). Pairs whose targets do not
 * make the first shorter are left out: they keep the `oldest` order.
 */
export function deadlineOvertakings(limits: SlaLimits): Overtaking[] {
  return PAIRS.filter(([higher, lower]) => limits[lower] > limits[higher]).map(([higher, lower]) => ({ higher, lower, seconds: limits[lower] - limits[higher] }));
}

/** The same in words, for the queue order field's hint. */
export function deadlineInWords(limits: SlaLimits): string {
  const overtakings = deadlineOvertakings(limits);
  if (overtakings.length === 0) return 'With the resolution targets saved now, it takes the same ticket as oldest first.';
  const phrases = overtakings.map((o) => `a ${o.higher}-priority ticket goes before a ${o.lower}-priority one that came in less than ${formatDuration(o.seconds)} earlier`);
  return `With the resolution targets saved now, ${phrases.join('; ')}.`;
}
