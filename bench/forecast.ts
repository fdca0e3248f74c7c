/**
 * The staffing forecast (SPEC §14): accuracy of its backtest on a seeded history, and how fast it
 * answers without blocking the server.
 *
 * 1. Seeds a history with the bench:seed machinery (every ticket closed; the seeded agents are
 *    logged in throughout, so their presence history is one `available` row each at the start:
 *    the staffing on duty derived from what the seed holds).
 * 2. Backtest: POST /api/v1/forecast's service over the whole seeded window; prints the predicted
 *    breach rate and waits (the window replayed through the router with the staffing on duty)
 *    beside the actual ones, and the error.
 * 3. Performance: the answer time of the forecast (history read + replay in a worker thread) and
 *    the event loop's delay p99 while it runs (perf_hooks.monitorEventLoopDelay), beside the
 *    baseline measured in the same run: the same replay on the main thread (what a server without
 *    the worker would suffer), and the idle loop. Targets: 30 days × 100,000 tickets in ≤ 5 s,
 *    loop p99 ≤ 50 ms.
 *
 *   npm run bench:forecast -- --quick                       (5,000 tickets over 7 days, K 1–8)
 *   npm run bench:forecast -- --tickets 100000 --days 30    (the full size: the §14 target)
 * Options: --dialect sqlite|postgres (sqlite), --k-min 1 --k-max 12, --agents 40 --capacity 5.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runForecast } from '../src/core/forecast.js';
import { parseForecastRequest } from '../src/core/forecastInput.js';
import type { Dialect } from '../src/db/connect.js';
import type { ServiceContext } from '../src/services/context.js';
import { forecastStaffing, loadForecastJob } from '../src/services/forecast.js';
import { createBenchDatabase, dropAll } from './lib/db.js';
import { flag, fmtMs, hasFlag, numberFlag, printTable, quantile, verdict } from './lib/report.js';
import { seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialect = (flag(args, 'dialect') ?? 'sqlite') as Dialect;
const tickets = numberFlag(args, 'tickets', quick ? 5_000 : 20_000);
const days = numberFlag(args, 'days', quick ? 7 : 30);
const kMin = numberFlag(args, 'k-min', 1);
const kMax = numberFlag(args, 'k-max', quick ? 8 : 12);
const agents = numberFlag(args, 'agents', 40);
const capacity = numberFlag(args, 'capacity', 5);
const DAY = 86_400_000;

/**
 * Runs `work` while watching the event loop two ways: perf_hooks' monitorEventLoopDelay (p99), and
 * a 10 ms interval timing its own lateness (p99 and max), which also catches one long synchronous
 * block between two of its ticks.
 */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; eldP99Ms: number; probeP99Ms: number; probeMaxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const late: number[] = [];
  let expected = performance.now() + 10;
  const probe = setInterval(() => {
    const now = performance.now();
    late.push(Math.max(0, now - expected));
    expected = now + 10;
  }, 10);
  // Both watchers tick once before the work begins.
  await new Promise((resolve) => setTimeout(resolve, 50));
  histogram.reset();
  late.length = 0;
  const started = performance.now();
  const value = await work();
  const ms = performance.now() - started;
  // One more turn of the loop, so a block that just ended is counted too.
  await new Promise((resolve) => setTimeout(resolve, 30));
  clearInterval(probe);
  histogram.disable();
  return { value, ms, eldP99Ms: histogram.percentile(99) / 1e6, probeP99Ms: quantile(late, 0.99), probeMaxMs: Math.max(0, ...late) };
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)} %`;
const secs = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(0)} s`);
const gap = (a: number | null, b: number | null) => (a === null || b === null ? '–' : `${((a - b) / 1000).toFixed(0)} s`);

async function main(): Promise<void> {
  const database = await createBenchDatabase(dialect, 'forecast');
  try {
    const now = Date.now();
    const seeded = await seed(database.handle, { tickets, agents, capacity, freshAgents: 0, closedFraction: 1, stepMs: Math.floor((days * DAY) / tickets), now });
    await database.handle.db
      .insertInto('presence_history')
      .values(seeded.agentIds.map((id) => ({ user_id: id, at: seeded.firstCreatedAt - 1, presence: 'available' as const })))
      .execute();
    console.log(`Seeded ${seeded.tickets.toLocaleString('en')} tickets over ${days} days on ${dialect} in ${fmtMs(seeded.ms)} (${agents} agents of capacity ${capacity}).`);

    const ctx: ServiceContext = { handle: database.handle, clock: { now: () => now }, publicUrl: 'http://bench.invalid' };
    const raw = { from: new Date(seeded.firstCreatedAt).toISOString(), to: new Date(now).toISOString(), k_min: kMin, k_max: kMax, target_percent: 5, capacity };

    const idle = await measured(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    const inWorker = await measured(() => forecastStaffing(ctx, raw));
    const job = await loadForecastJob(ctx, parseForecastRequest(raw, now));
    const onMainThread = await measured(async () => runForecast(job));

    const answer = inWorker.value;
    console.log(`\nPer K (${answer.tickets.toLocaleString('en')} tickets, capacity ${capacity}): needed for ≤ 5 % breaches: ${answer.result.neededAgents ?? 'none in range'}`);
    printTable(
      ['K', 'breaches', 'wait p50', 'wait p90', 'utilisation'],
      answer.result.rows.map((r) => [String(r.agents), pct(r.breachRate), secs(r.waitP50Ms), secs(r.waitP90Ms), r.utilisation === null ? '–' : pct(r.utilisation)]),
    );

    const backtest = answer.result.backtest;
    if (backtest) {
      const { predicted, actual } = backtest;
      console.log(`\nBacktest: the window replayed with the ${actual.agentsSeen} agents on duty, beside what the history holds`);
      printTable(
        ['figure', 'predicted', 'actual', 'error'],
        [
          ['breach rate', pct(predicted.breachRate), pct(actual.breachRate), `${((predicted.breachRate - actual.breachRate) * 100).toFixed(1)} points`],
          ...(['high', 'medium', 'low'] as const).map((p) => [
            `breach rate (${p})`,
            predicted.breachRateByPriority[p] === null ? '–' : pct(predicted.breachRateByPriority[p]!),
            actual.breachRateByPriority[p] === null ? '–' : pct(actual.breachRateByPriority[p]!),
            predicted.breachRateByPriority[p] === null || actual.breachRateByPriority[p] === null ? '–' : `${((predicted.breachRateByPriority[p]! - actual.breachRateByPriority[p]!) * 100).toFixed(1)} points`,
          ]),
          ['wait p50', secs(predicted.waitP50Ms), secs(actual.waitP50Ms), gap(predicted.waitP50Ms, actual.waitP50Ms)],
          ['wait p90', secs(predicted.waitP90Ms), secs(actual.waitP90Ms), gap(predicted.waitP90Ms, actual.waitP90Ms)],
        ],
      );
    }

    console.log(`\nAnswer time and event loop (${kMax - kMin + 1} values of K × ${answer.tickets.toLocaleString('en')} tickets)`);
    const full = tickets >= 100_000 && days >= 30;
    const row = (name: string, m: typeof idle, target = '') => [name, fmtMs(m.ms), fmtMs(m.eldP99Ms), fmtMs(m.probeP99Ms), fmtMs(m.probeMaxMs), target];
    const loopOk = Math.max(inWorker.eldP99Ms, inWorker.probeP99Ms) <= 50;
    printTable(
      ['run', 'answer', 'loop p99 (ELD)', 'loop p99 (probe)', 'loop max (probe)', 'target'],
      [
        row('forecast (worker thread)', inWorker, full ? `≤ 5 s: ${verdict(inWorker.ms <= 5000)}; p99 ≤ 50 ms: ${verdict(loopOk)}` : `p99 ≤ 50 ms: ${verdict(loopOk)} (size below the §14 target's)`),
        row('baseline: same replay on the main thread', onMainThread),
        row('baseline: idle loop, 1 s', idle),
      ],
    );
    if (!full) console.log('\nFull size: npm run bench:forecast -- --tickets 100000 --days 30');
  } finally {
    await database.drop();
    await dropAll();
  }
}

await main();
