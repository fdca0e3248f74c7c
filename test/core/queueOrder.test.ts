import { describe, expect, it } from 'vitest';
import { deadlineInWords, deadlineOvertakings } from '../../src/core/queueOrder.js';
import { DEFAULT_SLA, type SlaLimits } from '../../src/core/sla.js';

describe('deadlineOvertakings: what the deadline order changes', () => {
  it.each<[string, SlaLimits, ReturnType<typeof deadlineOvertakings>]>([
    ['the default targets (1m, 4m, 1h)', DEFAULT_SLA, [
      { higher: 'high', lower: 'medium', seconds: 180 },
      { higher: 'high', lower: 'low', seconds: 3540 },
      { higher: 'medium', lower: 'low', seconds: 3360 },
    ]],
    ['equal targets: nothing overtakes', { high: 600, medium: 600, low: 600 }, []],
    ['a low target shorter than the high one: only the pairs where the higher is shorter', { high: 600, medium: 300, low: 900 }, [
      { higher: 'high', lower: 'low', seconds: 300 },
      { higher: 'medium', lower: 'low', seconds: 600 },
    ]],
  ])('%s', (_case, limits, expected) => {
    expect(deadlineOvertakings(limits)).toEqual(expected);
  });
});

describe('deadlineInWords', () => {
  it.each<[SlaLimits, string]>([
    [DEFAULT_SLA, 'With the resolution targets saved now, a high-priority ticket goes before a medium-priority one that came in less than 3m earlier; a high-priority ticket goes before a low-priority one that came in less than 59m earlier; a medium-priority ticket goes before a low-priority one that came in less than 56m earlier.'],
    [{ high: 60, medium: 60, low: 60 }, 'With the resolution targets saved now, it takes the same ticket as oldest first.'],
  ])('%j', (limits, text) => {
    expect(deadlineInWords(limits)).toBe(text);
  });
});
