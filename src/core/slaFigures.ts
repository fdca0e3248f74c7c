/**
 * How each SLA target of a ticket counts in the figures (§11 "share met per target", "breaches per
 * metric"), as pure rules over the ticket's columns. Pure.
 *
 * The figures are state functions of the ticket row, so the all-time summaries (sla_target_counts
 * and open_breach_summary, kept by triggers from the same rules: migration 2026-12-03T0900) and the
 * windowed figures (the same rules as SQL over the window's tickets: repositories/slaTargets.ts)
 * agree by construction, and whatever writes a ticket keeps them right. test/db/sla-figures.test.ts
 * checks both against these functions after random workloads.
 *
 * - resolution: met when closed at or before `sla_due_at`; breached when closed after it, or while
 *   open once the monitor has recorded the breach (`sla_breached_at`). Open and unrecorded: not yet
 *   decided (the §4 `open_overdue` figure counts those by the clock instead).
 * - first response (only with a target, `first_response_due_at`): the clock stops at the first
 *   public reply or, failing one, at the close. DECISION: a ticket closed without any public reply
 *   meets the target when closed at or before the due instant and breaches it when closed after
 *   (SPEC §11: "a reply or close at or before the due instant meets the target"); while open and
 *   unanswered, it is breached once the monitor recorded it, else undecided. Its first-response
 *   TIME (avg/p50/p90) is another matter: that is measured to the first public reply only, so a
 *   ticket closed without one has no first-response time.
 * - next reply: a ticket may run many next-reply clocks, so the ticket counts them as they stop
 *   (`next_reply_met`, `next_reply_breached`): see nextReplyOutcome.
 */

/** One target's outcome for a ticket: counted as met, as breached, or not (yet). */
export type TargetOutcome = 'met' | 'breached' | null;

/** The columns the rules read (epoch ms; nulls as in the tickets table). */
export interface FigureColumns {
  status: 'open' | 'closed';
  closed_at: number | null;
  sla_due_at: number;
  sla_breached_at: number | null;
  first_response_at: number | null;
  first_response_due_at: number | null;
  first_response_breached_at: number | null;
}

/** The resolution target's outcome (§4 deadline `sla_due_at`). A closed row without closed_at (hand-written) counts nowhere. */
export function resolutionOutcome(t: FigureColumns): TargetOutcome {
  if (t.status === 'closed') {
    if (t.closed_at === null) return null;
    return t.closed_at <= t.sla_due_at ? 'met' : 'breached';
  }
  return t.sla_breached_at === null ? null : 'breached';
}

/** Where the first-response clock stopped: the first public reply, else the close; null while it runs. */
export function firstResponseStop(t: FigureColumns): number | null {
  return t.first_response_at ?? (t.status === 'closed' ? t.closed_at : null);
}

/** The first-response target's outcome; null without a target or while undecided. */
export function firstResponseOutcome(t: FigureColumns): TargetOutcome {
  if (t.first_response_due_at === null) return null;
  const stop = firstResponseStop(t);
  if (stop !== null) return stop <= t.first_response_due_at ? 'met' : 'breached';
  return t.first_response_breached_at === null ? null : 'breached';
}

/** Open with a recorded resolution breach: what open_breach_summary counts (per priority). */
export function isOpenBreached(t: Pick<FigureColumns, 'status' | 'sla_breached_at'>): boolean {
  return t.status === 'open' && t.sla_breached_at !== null;
}

/**
 * How a next-reply clock that stops at `stop` (a public reply, or the close) counts: met at or
 * before its due instant; after it, a breach, unless the monitor already recorded it (and counted
 * it then: `recorded`). Null: no clock was running, or its breach is counted already.
 */
export function nextReplyOutcome(clock: { dueAt: number | null; recorded: boolean }, stop: number): TargetOutcome {
  if (clock.dueAt === null) return null;
  return stoppedOutcome({ met: stop <= clock.dueAt, recorded: clock.recorded });
}

/** What a stopped clock counts as: met, or a breach nobody recorded yet (null: counted already by the monitor). */
export function stoppedOutcome(clock: { met: boolean; recorded: boolean }): TargetOutcome {
  if (clock.met) return 'met';
  return clock.recorded ? null : 'breached';
}

/**
 * How a stopped clock moves the ticket's counters (next_reply_met, next_reply_breached): one met,
 * or one breach nobody recorded yet (the monitor counted a recorded one as it recorded it). A stop
 * at or before the due instant meets the target (SPEC §11). Actions are stamped once they hold the
 * ticket's row and never before a breach it records (core/sla.ts instantAfterLock), so a stop in
 * time after a recorded breach no longer happens through the services; should one come (an
 * instant taken some other way), the breach counted is taken back rather than the clock counted
 * twice, as the first-response and resolution figures, read from the row, would count it met.
 */
export function stoppedCounts(clock: { met: boolean; recorded: boolean }): { met: number; breached: number } {
  if (clock.met) return { met: 1, breached: clock.recorded ? -1 : 0 };
  return { met: 0, breached: clock.recorded ? 0 : 1 };
}

/** A target's share met: met / (met + breached), 0..1 to 4 decimals; null when none is decided. */
export function metShare(met: number, breached: number): number | null {
  const decided = met + breached;
  return decided === 0 ? null : Math.round((met / decided) * 10_000) / 10_000;
}
