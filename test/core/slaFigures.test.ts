import { describe, expect, it } from 'vitest';
import { type FigureColumns, firstResponseOutcome, isOpenBreached, metShare, nextReplyOutcome, resolutionOutcome, stoppedCounts, stoppedOutcome } from '../../src/core/slaFigures.js';

const DUE = 1_000_000;

/** An open ticket created long before DUE, nothing answered, marked or closed. */
const base: FigureColumns = {
  status: 'open',
  closed_at: null,
  sla_due_at: DUE,
  sla_breached_at: null,
  first_response_at: null,
  first_response_due_at: DUE,
  first_response_breached_at: null,
};

describe('resolution outcome', () => {
  const rows: [string, Partial<FigureColumns>, ReturnType<typeof resolutionOutcome>][] = [
    ['open, not recorded (even past due): undecided', {}, null],
    ['open with a recorded breach', { sla_breached_at: DUE + 400 }, 'breached'],
    ['closed at the due instant: met', { status: 'closed', closed_at: DUE }, 'met'],
    ['closed a millisecond late', { status: 'closed', closed_at: DUE + 1 }, 'breached'],
    ['closed late after a recorded breach: one breach', { status: 'closed', closed_at: DUE + 5000, sla_breached_at: DUE + 400 }, 'breached'],
    ['closed without closed_at (hand-written row): nowhere', { status: 'closed' }, null],
  ];
  for (const [name, over, expected] of rows) it(name, () => expect(resolutionOutcome({ ...base, ...over })).toBe(expected));
});

describe('first-response outcome', () => {
  const rows: [string, Partial<FigureColumns>, ReturnType<typeof firstResponseOutcome>][] = [
    ['no target: not counted, even answered late', { first_response_due_at: null, first_response_at: DUE + 1 }, null],
    ['open, unanswered, unrecorded: undecided', {}, null],
    ['open, unanswered, breach recorded', { first_response_breached_at: DUE + 300 }, 'breached'],
    ['answered at the due instant', { first_response_at: DUE }, 'met'],
    ['answered late, unrecorded', { first_response_at: DUE + 1 }, 'breached'],
    ['answered late after the recorded breach: one breach', { first_response_at: DUE + 900, first_response_breached_at: DUE + 300 }, 'breached'],
    ['answered in time, closed late: the reply counts', { first_response_at: DUE - 1, status: 'closed', closed_at: DUE + 10_000 }, 'met'],
    // The decision of SPEC §11 "a reply or close at or before the due instant meets the target":
    ['closed without a reply, in time: met', { status: 'closed', closed_at: DUE }, 'met'],
    ['closed without a reply, late, unrecorded: breached', { status: 'closed', closed_at: DUE + 1 }, 'breached'],
    ['closed without a reply after a recorded breach: breached', { status: 'closed', closed_at: DUE + 900, first_response_breached_at: DUE + 300 }, 'breached'],
  ];
  for (const [name, over, expected] of rows) it(name, () => expect(firstResponseOutcome({ ...base, ...over })).toBe(expected));
});

describe('a stopped next-reply clock', () => {
  const rows: [string, { dueAt: number | null; recorded: boolean }, number, ReturnType<typeof nextReplyOutcome>][] = [
    ['none running', { dueAt: null, recorded: false }, DUE, null],
    ['stopped at the due instant', { dueAt: DUE, recorded: false }, DUE, 'met'],
    ['stopped late, unrecorded', { dueAt: DUE, recorded: false }, DUE + 1, 'breached'],
    ['stopped late, recorded (counted by the monitor then)', { dueAt: DUE, recorded: true }, DUE + 1, null],
    // A reply or close stamped before the monitor's claim committed (reply and close, a monitor's clock ahead).
    ['stopped at the due instant, yet recorded: met (SPEC §11)', { dueAt: DUE, recorded: true }, DUE, 'met'],
  ];
  for (const [name, clock, stop, expected] of rows) it(name, () => expect(nextReplyOutcome(clock, stop)).toBe(expected));
  it('counts as a stopped clock of the reply does', () => {
    expect([stoppedOutcome({ met: true, recorded: false }), stoppedOutcome({ met: false, recorded: false }), stoppedOutcome({ met: false, recorded: true })]).toEqual(['met', 'breached', null]);
  });
  const counts: [string, { met: boolean; recorded: boolean }, { met: number; breached: number }][] = [
    ['met: one met', { met: true, recorded: false }, { met: 1, breached: 0 }],
    ['late, unrecorded: one breach', { met: false, recorded: false }, { met: 0, breached: 1 }],
    ['late, recorded: counted by the monitor already', { met: false, recorded: true }, { met: 0, breached: 0 }],
    ['in time, yet recorded first (the stop stamped before the claim committed): met, the breach taken back', { met: true, recorded: true }, { met: 1, breached: -1 }],
  ];
  for (const [name, clock, expected] of counts) it(`moves the counters: ${name}`, () => expect(stoppedCounts(clock)).toEqual(expected));
});

describe('open breached and share met', () => {
  it('open with a recorded resolution breach only', () => {
    expect([isOpenBreached(base), isOpenBreached({ ...base, sla_breached_at: 1 }), isOpenBreached({ ...base, status: 'closed', sla_breached_at: 1 })]).toEqual([false, true, false]);
  });
  const rows: [number, number, number | null][] = [
    [0, 0, null],
    [3, 0, 1],
    [0, 2, 0],
    [2, 1, 0.6667],
    [1, 2, 0.3333],
  ];
  for (const [met, breached, share] of rows) it(`${met} met, ${breached} breached → ${share}`, () => expect(metShare(met, breached)).toBe(share));
});
