/** The pure parts of `bench:load --open-loop` (bench/lib/openLoop.ts): schedule, capacity search, summary. */
import { describe, expect, it } from 'vitest';
import { achievedRate, type ArrivalKind, arrivals, latencyVerdict, MIX, nextRate, reportRates, roundRate, type Sample, type SearchOptions, summarize, sustained } from '../../bench/lib/openLoop.js';

const countKinds = (list: { kind: ArrivalKind }[]) => {
  const counts: Partial<Record<ArrivalKind, number>> = {};
  for (const { kind } of list) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

describe('arrivals', () => {
  it.each([
    { rate: 10, seconds: 3, count: 30, interval: 100 },
    { rate: 4, seconds: 2.5, count: 10, interval: 250 },
    { rate: 0.5, seconds: 10, count: 5, interval: 2000 },
    { rate: 1000, seconds: 1, count: 1000, interval: 1 },
    { rate: 3, seconds: 1, count: 3, interval: 1000 / 3 },
  ])('$rate/s for $seconds s: $count arrivals, one every $interval ms from 0', ({ rate, seconds, count, interval }) => {
    const list = arrivals(rate, seconds);
    expect(list).toHaveLength(count);
    list.forEach((a, n) => expect(a.at).toBeCloseTo(n * interval, 9));
  });

  it.each([
    [0, 10],
    [-5, 10],
    [NaN, 10],
    [10, 0],
  ])('rate %s for %s s: none', (rate, seconds) => {
    expect(arrivals(rate, seconds)).toEqual([]);
  });

  it('100 arrivals hold the mix exactly (the shares are percents)', () => {
    expect(countKinds(arrivals(100, 1))).toEqual(MIX);
  });

  it('every beginning holds each kind to within one of its share, every stretch within two (no burst of one kind)', () => {
    const list = arrivals(50, 20);
    const off = (from: number, length: number) => {
      const counts = countKinds(list.slice(from, from + length));
      return Math.max(...(Object.entries(MIX) as [ArrivalKind, number][]).map(([kind, share]) => Math.abs((counts[kind] ?? 0) - (share * length) / 100)));
    };
    for (let length = 1; length <= list.length; length++) expect(off(0, length)).toBeLessThan(1);
    for (const length of [10, 37, 100]) for (let from = 0; from + length <= list.length; from += 13) expect(off(from, length)).toBeLessThan(2);
  });

  it('a custom mix, kinds with no share never come', () => {
    const mix = { ...Object.fromEntries(Object.keys(MIX).map((k) => [k, 0])), reply: 1, login: 3 } as Record<ArrivalKind, number>;
    expect(arrivals(8, 1, mix).map((a) => a.kind)).toEqual(['login', 'reply', 'login', 'login', 'login', 'reply', 'login', 'login']);
  });

  it('is the same every time (no randomness)', () => {
    expect(arrivals(37, 3)).toEqual(arrivals(37, 3));
  });
});

describe('achievedRate', () => {
  const every = (n: number, ms: number, from = ms) => Array.from({ length: n }, (_, i) => from + i * ms);
  it.each([
    { name: 'kept up: all done within the step', doneAt: every(100, 100, 20), seconds: 10, rate: 10 },
    { name: 'the last one answered after the end is not counted', doneAt: every(100, 100, 150), seconds: 10, rate: 9.9 },
    { name: 'exactly at the end counts', doneAt: [10_000], seconds: 10, rate: 0.1 },
    { name: 'behind: half drained after the step', doneAt: every(100, 200), seconds: 10, rate: 5 },
    { name: 'nothing done', doneAt: [], seconds: 10, rate: 0 },
    { name: 'a step of no length', doneAt: [0], seconds: 0, rate: 0 },
  ])('$name: $rate/s', ({ doneAt, seconds, rate }) => {
    expect(achievedRate(doneAt, seconds)).toBeCloseTo(rate, 9);
  });
});

describe('sustained', () => {
  it.each([
    { name: 'kept up', step: { offered: 100, achieved: 99, p99: 300, errors: 0 }, ok: true, reasons: [] },
    { name: 'exactly 95 % is enough', step: { offered: 100, achieved: 95, p99: 300, errors: 0 }, ok: true, reasons: [] },
    { name: 'behind', step: { offered: 100, achieved: 94.9, p99: 300, errors: 0 }, ok: false, reasons: ['achieved 94.9/s < 95 % of 100.0/s'] },
    { name: 'p99 exactly 2 s is enough', step: { offered: 10, achieved: 10, p99: 2000, errors: 0 }, ok: true, reasons: [] },
    { name: 'p99 past 2 s', step: { offered: 10, achieved: 10, p99: 2001, errors: 0 }, ok: false, reasons: ['p99 2001 ms > 2000 ms'] },
    { name: 'one error', step: { offered: 10, achieved: 10, p99: 5, errors: 1 }, ok: false, reasons: ['1 errors'] },
    { name: 'nothing measured', step: { offered: 10, achieved: 0, p99: NaN, errors: 0 }, ok: false, reasons: ['achieved 0.0/s < 95 % of 10.0/s', 'p99 NaN ms > 2000 ms'] },
    { name: 'all at once', step: { offered: 50, achieved: 20, p99: 9000, errors: 3 }, ok: false, reasons: ['achieved 20.0/s < 95 % of 50.0/s', 'p99 9000 ms > 2000 ms', '3 errors'] },
  ])('$name', ({ step, ok, reasons }) => {
    expect(sustained(step)).toEqual({ ok, reasons });
  });
});

describe('nextRate', () => {
  const options: SearchOptions = { start: 20, precision: 0.1, maxRate: 1000, minRate: 1, maxSteps: 12 };
  const h = (...steps: [number, boolean][]) => steps.map(([rate, ok]) => ({ rate, ok }));
  it.each([
    { name: 'starts at the start rate', history: h(), step: { next: 20 } },
    { name: 'doubles while sustained', history: h([20, true], [40, true]), step: { next: 80 } },
    { name: 'then bisects', history: h([20, true], [40, true], [80, false]), step: { next: 60 } },
    { name: 'bisects on the upper half', history: h([20, true], [40, true], [80, false], [60, true]), step: { next: 70 } },
    { name: 'bisects on the lower half', history: h([20, true], [40, true], [80, false], [60, false]), step: { next: 50 } },
    { name: 'stops within 10 % of the sustained rate', history: h([20, true], [40, true], [80, false], [60, true], [70, false], [65, true]), step: { capacity: 65, why: '70/s not sustained' } },
    { name: 'a noisy pass above a failure does not count', history: h([20, true], [40, false], [30, false], [35, true]), step: { next: 25 } },
    { name: 'halves while nothing was sustained', history: h([20, false]), step: { next: 10 } },
    { name: 'halves below 10/s in tenths', history: h([20, false], [10, false], [5, false]), step: { next: 2.5 } },
    { name: 'then bisects up', history: h([20, false], [10, true]), step: { next: 15 } },
    { name: 'gives up below the least rate', history: h([20, false], [10, false], [5, false], [2.5, false], [1.3, false]), step: { capacity: null, why: 'not even 1.3/s sustained' } },
    { name: 'stops at the most it may try', history: h([250, true], [500, true], [1000, true]), step: { capacity: 1000, why: '1000/s sustained (the most tried)' } },
    { name: 'doubling is capped at the most', history: h([300, true], [600, true]), step: { next: 1000 } },
    {
      name: 'stops after the most steps',
      history: h(...Array.from({ length: 12 }, (_, i): [number, boolean] => [i + 1, true])),
      step: { capacity: 12, why: '12 steps run' },
    },
  ])('$name', ({ history, step }) => {
    expect(nextRate(history, options)).toEqual(step);
  });

  it.each([
    { name: 'given rates in their order', history: h([10, true]), step: { next: 30 } },
    { name: 'the first unsustained ends the search', history: h([10, true], [30, false]), step: { capacity: 10, why: '30/s not sustained' } },
    { name: 'none sustained', history: h([10, false]), step: { capacity: null, why: '10/s not sustained' } },
    { name: 'every given rate sustained', history: h([10, true], [30, true], [20, true]), step: { capacity: 30, why: 'every given rate sustained' } },
  ])('--rates 10,30,20: $name', ({ history, step }) => {
    expect(nextRate(history, { ...options, given: [10, 30, 20] })).toEqual(step);
  });
});

describe('rates', () => {
  it.each([
    [123.4, 123],
    [10.4, 10],
    [9.96, 10],
    [9.94, 9.9],
    [0.26, 0.3],
  ])('roundRate(%s) = %s', (rate, rounded) => {
    expect(roundRate(rate)).toBe(rounded);
  });

  it.each([
    [200, [50, 100, 150]],
    [30, [7.5, 15, 23]],
    [1, [0.3, 0.5, 0.8]],
    [0.2, [0.1, 0.1, 0.2]],
  ])('capacity %s: report at %j', (capacity, rates) => {
    expect(reportRates(capacity).map((r) => r.rate)).toEqual(rates);
    expect(reportRates(capacity).map((r) => r.share)).toEqual([0.25, 0.5, 0.75]);
  });
});

describe('summarize and latencyVerdict', () => {
  const s = (route: string, ms: number, outcome: Sample['outcome'] = 'ok'): Sample => ({ route, ms, outcome });
  const samples = [
    ...Array.from({ length: 101 }, (_, i) => s('POST /tickets/create/', i)),
    s('GET /tickets/create/', 5),
    s('GET /agents/dashboard/', 30),
    s('GET /agents/dashboard/', 10, 'error'),
    s('POST /agents/tickets/:id/close/', 20, 'refused'),
  ];
  const rows = summarize(samples);

  it('one row per route, by path then method', () => {
    expect(rows.map((r) => r.route)).toEqual(['GET /agents/dashboard/', 'POST /agents/tickets/:id/close/', 'GET /tickets/create/', 'POST /tickets/create/']);
  });

  it('quantiles interpolate over every request, counts split by outcome', () => {
    expect(rows[3]).toEqual({ route: 'POST /tickets/create/', count: 101, errors: 0, refused: 0, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(rows[0]).toEqual({ route: 'GET /agents/dashboard/', count: 2, errors: 1, refused: 0, p50: 20, p90: 28, p99: 29.8, max: 30 });
    expect(rows[1]).toMatchObject({ count: 1, errors: 0, refused: 1, p99: 20, max: 20 });
  });

  it.each([
    { name: 'every p99 within', limit: 99, verdict: 'met' },
    { name: 'one p99 over', limit: 98.9, verdict: 'MISSED' },
  ])('$name: $verdict', ({ limit, verdict }) => {
    expect(latencyVerdict(rows, limit)).toBe(verdict);
  });

  it('no rows: NO MEASUREMENT', () => {
    expect(latencyVerdict([], 250)).toBe('NO MEASUREMENT');
    expect(latencyVerdict(summarize([]), 250)).toBe('NO MEASUREMENT');
  });
});
