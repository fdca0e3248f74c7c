/**
 * The pure parts of `bench:load --open-loop` (bench/load-open.ts): the schedule of arrivals, the
 * mix of traffic, whether a step was sustained, the search for the highest sustained rate, and the
 * per-route latency summary with its verdict. No I/O here: table-tested in test/bench/openLoop.test.ts.
 */
import { quantile, verdict } from './report.js';

/** What one arrival does (each is one operation of a browser or an integration). */
export type ArrivalKind = 'create-form' | 'create-api' | 'reply' | 'close' | 'agent-dashboard' | 'admin-dashboard' | 'api-tickets' | 'api-stats' | 'login';

/**
 * The mix, in percent of arrivals. Creations (20 %) outnumber closes (15 %), so agents stay at
 * their capacity and a small queue of pending tickets builds up, as on a busy day; replies and
 * closes act on tickets an agent holds. Logins are few: each hashes a password at the real cost.
 */
export const MIX: Readonly<Record<ArrivalKind, number>> = {
  'create-form': 10,
  'create-api': 10,
  reply: 20,
  close: 15,
  'agent-dashboard': 22,
  'admin-dashboard': 5,
  'api-tickets': 10,
  'api-stats': 5,
  login: 3,
};

export interface Arrival {
  /** Milliseconds after the step's start at which the operation must start. */
  at: number;
  kind: ArrivalKind;
}

/**
 * `rate` arrivals a second for `seconds`, evenly spaced (a fixed arrival rate: the n-th at
 * n × 1000 / rate ms, whatever the answers), their kinds dealt by smooth weighted round robin:
 * every beginning of the schedule holds each kind's share to within one arrival (any stretch to
 * within two), the same schedule every time, and no burst of one kind.
 */
export function arrivals(rate: number, seconds: number, mix: Readonly<Record<ArrivalKind, number>> = MIX): Arrival[] {
  if (!(rate > 0) || !(seconds > 0)) return [];
  const kinds = (Object.keys(mix) as ArrivalKind[]).filter((k) => mix[k] > 0);
  const total = kinds.reduce((sum, k) => sum + mix[k], 0);
  const credit = new Map<ArrivalKind, number>(kinds.map((k) => [k, 0]));
  const count = Math.floor(rate * seconds);
  const interval = 1000 / rate;
  const out: Arrival[] = [];
  for (let n = 0; n < count; n++) {
    let best = kinds[0]!;
    for (const k of kinds) {
      credit.set(k, credit.get(k)! + mix[k]);
      if (credit.get(k)! > credit.get(best)!) best = k;
    }
    credit.set(best, credit.get(best)! - total);
    out.push({ at: n * interval, kind: best });
  }
  return out;
}

/** One HTTP request's outcome. `ms` counts from the operation's scheduled start (first request). */
export interface Sample {
  route: string;
  ms: number;
  /** ok: the expected answer; refused: an answer the bench's stale view explains (the ticket moved); error: anything else (5xx, no answer). */
  outcome: 'ok' | 'refused' | 'error';
}

export interface RouteRow {
  route: string;
  count: number;
  errors: number;
  refused: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** `GET /a/` before `POST /a/` before `GET /b/`: by path, then method. */
function byPathThenMethod(a: string, b: string): number {
  const [ma = '', pa = ''] = a.split(' ');
  const [mb = '', pb = ''] = b.split(' ');
  return pa < pb ? -1 : pa > pb ? 1 : ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** Per route (by path, then method), the latency quantiles of every request and the counts. */
export function summarize(samples: readonly Sample[]): RouteRow[] {
  const byRoute = new Map<string, Sample[]>();
  for (const s of samples) {
    const list = byRoute.get(s.route);
    if (list) list.push(s);
    else byRoute.set(s.route, [s]);
  }
  return [...byRoute].sort(([a], [b]) => byPathThenMethod(a, b)).map(([route, list]) => {
    const times = list.map((s) => s.ms);
    return {
      route,
      count: list.length,
      errors: list.filter((s) => s.outcome === 'error').length,
      refused: list.filter((s) => s.outcome === 'refused').length,
      p50: quantile(times, 0.5),
      p90: quantile(times, 0.9),
      p99: quantile(times, 0.99),
      max: times.length === 0 ? NaN : Math.max(...times),
    };
  });
}

/** The target's verdict: every route's p99 within `limitMs`; no routes measured: NO MEASUREMENT. */
export function latencyVerdict(rows: readonly RouteRow[], limitMs: number): 'met' | 'MISSED' | 'NO MEASUREMENT' {
  if (rows.length === 0 || rows.every((r) => r.count === 0)) return 'NO MEASUREMENT';
  return verdict(rows.every((r) => r.p99 <= limitMs));
}

/** What a step measured, for the decision whether the servers kept up. */
export interface StepFigures {
  /** Arrivals scheduled per second. */
  offered: number;
  /** Operations finished per second within the step (achievedRate). */
  achieved: number;
  /** p99 of every request of the step, in ms. */
  p99: number;
  errors: number;
}

export interface SustainLimits {
  /** Least achieved ÷ offered (default 0.95). */
  minShare: number;
  /** Highest p99 of all requests, ms (default 2000). */
  maxP99: number;
}

export const DEFAULT_LIMITS: SustainLimits = { minShare: 0.95, maxP99: 2000 };

/**
 * Operations finished per second during the step: those done by its end (`doneAt`, ms from its
 * start) over its length. A server that keeps up finishes all but the last mean latency's worth;
 * one that does not finishes what it can, and the rest drain after the step, uncounted.
 */
export function achievedRate(doneAt: readonly number[], seconds: number): number {
  if (!(seconds > 0)) return 0;
  return doneAt.filter((t) => t <= seconds * 1000).length / seconds;
}

/** Whether the servers kept up with the step, and if not, why (each reason a phrase). */
export function sustained(step: StepFigures, limits: SustainLimits = DEFAULT_LIMITS): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!(step.achieved >= limits.minShare * step.offered)) reasons.push(`achieved ${step.achieved.toFixed(1)}/s < ${Math.round(limits.minShare * 100)} % of ${step.offered.toFixed(1)}/s`);
  if (!(step.p99 <= limits.maxP99)) reasons.push(`p99 ${Math.round(step.p99)} ms > ${limits.maxP99} ms`);
  if (step.errors > 0) reasons.push(`${step.errors} errors`);
  return { ok: reasons.length === 0, reasons };
}

export interface SearchOptions {
  /** The first rate tried (arrivals/s). */
  start: number;
  /** Rates to try in this order instead of doubling and bisecting; the first not sustained ends the search. */
  given?: readonly number[];
  /** Bisection stops when the gap between sustained and not is at most this share of the sustained rate. */
  precision: number;
  /** Doubling stops here (the capacity is then at least this). */
  maxRate: number;
  /** Halving stops below this (no sustained rate at all). */
  minRate: number;
  /** At most this many steps in all. */
  maxSteps: number;
}

export const DEFAULT_SEARCH: SearchOptions = { start: 20, precision: 0.1, maxRate: 5000, minRate: 1, maxSteps: 12 };

export type SearchStep = { next: number } | { capacity: number | null; why: string };

/**
 * The capacity search's next move from the steps run so far (rate and whether it was sustained):
 * the next rate to try, or the capacity (the highest sustained rate below every unsustained one;
 * null when none was sustained). Without `given`: double from `start` while sustained (halve while
 * not, before any was), then bisect between the best sustained and the lowest unsustained rate.
 */
export function nextRate(history: readonly { rate: number; ok: boolean }[], options: SearchOptions = DEFAULT_SEARCH): SearchStep {
  const lowestBad = Math.min(...history.filter((h) => !h.ok).map((h) => h.rate));
  const goods = history.filter((h) => h.ok && h.rate < lowestBad).map((h) => h.rate);
  const best = goods.length > 0 ? Math.max(...goods) : null;
  if (options.given) {
    if (history.length > 0 && !history.at(-1)!.ok) return { capacity: best, why: `${history.at(-1)!.rate}/s not sustained` };
    const next = options.given[history.length];
    return next === undefined ? { capacity: best, why: 'every given rate sustained' } : { next };
  }
  if (history.length === 0) return { next: options.start };
  if (history.length >= options.maxSteps) return { capacity: best, why: `${options.maxSteps} steps run` };
  if (lowestBad === Infinity) {
    const last = history.at(-1)!.rate;
    return last >= options.maxRate ? { capacity: best, why: `${options.maxRate}/s sustained (the most tried)` } : { next: Math.min(options.maxRate, last * 2) };
  }
  if (best === null) {
    const next = roundRate(lowestBad / 2);
    return next < options.minRate || next >= lowestBad ? { capacity: null, why: `not even ${lowestBad}/s sustained` } : { next };
  }
  const middle = roundRate((best + lowestBad) / 2);
  if (lowestBad - best <= options.precision * best || middle <= best || middle >= lowestBad) return { capacity: best, why: `${lowestBad}/s not sustained` };
  return { next: middle };
}

/** Whole arrivals a second, but tenths below 10/s (a slow machine's rates stay distinct). */
export function roundRate(rate: number): number {
  return rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
}

/** The rates reported at 25 %, 50 % and 75 % of the capacity. */
export function reportRates(capacity: number): { share: number; rate: number }[] {
  return [0.25, 0.5, 0.75].map((share) => ({ share, rate: Math.max(0.1, roundRate(capacity * share)) }));
}
