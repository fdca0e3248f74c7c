/**
 * Latency under a steady load (issue 20 item 6): `npm run bench:load -- --open-loop`.
 *
 * Real server processes (as the closed-loop `bench:load`) on one blank database, agents registered
 * and logged in (available, so tickets get assigned), then traffic at a FIXED ARRIVAL RATE: each
 * operation starts at its scheduled time whether or not the earlier ones have been answered (open
 * loop), and its latency counts from that time, so queueing in the servers is in the figures and a
 * generator running late does not hide it (no coordinated omission). Arrivals are evenly spaced;
 * their kinds are dealt in these shares (bench/lib/openLoop.ts, MIX):
 *
 *   create-form      10 %  GET /tickets/create/, then POST it with its CSRF token (two requests)
 *   create-api       10 %  POST /api/v1/tickets (JSON, anonymous)
 *   reply            20 %  POST /agents/tickets/<id>/messages/ (a reply) by the agent holding it
 *   close            15 %  POST /agents/tickets/<id>/close/ by the agent holding it
 *   agent-dashboard  22 %  GET /agents/dashboard/ (tells the bench which tickets the agent holds)
 *   admin-dashboard   5 %  GET /adminapp/dashboard/
 *   api-tickets      10 %  GET /api/v1/tickets (admin token)
 *   api-stats         5 %  GET /api/v1/stats (admin token)
 *   login             3 %  GET /agents/login/, then POST it: a password hash at the real cost
 *
 * Replies and closes act on a ticket the agent held at its last dashboard read; one that moved or
 * closed since is "refused" (403/404/409, counted apart, not an error); when the bench knows of no
 * ticket held they are skipped (counted). Before the first step, tickets are created (not
 * measured) for every agent's capacity and 10 % more, so agents start full and a few wait.
 *
 * 1. Capacity: after a short warm-up, steps of --step-seconds at rising rates (doubling from
 *    --start-rate, then bisecting to within 10 %; or the --rates given, in order) until a step is
 *    not sustained: operations finished within the step < 95 % of those offered, or p99 of all
 *    requests > 2 s, or any error. The last sustained rate is the capacity.
 * 2. Steps of --report-seconds (default 3 × --step-seconds) at 25 %, 50 % and 75 % of it, each
 *    printed per route (p50, p90, p99, max, count, errors, refused). Target: every route's
 *    p99 ≤ 250 ms at 50 % → met / MISSED (and the same without the login POST, on a second line).
 * 3. I2/I3 watched during the run every --watch-ms (default 1000 on PostgreSQL; 0, off, on SQLite,
 *    where the watcher's wait for the write lock would block this process, the generator), I1–I5
 *    and the outbox after it (bench/lib/loadRig.ts).
 *
 *   npm run bench:load -- --open-loop [--dialects sqlite,postgres] [--pg-processes 3]
 *        [--sqlite-processes 2] [--agents 30] [--step-seconds 10] [--report-seconds 30] [--start-rate 20]
 *        [--rates r1,r2,...] [--target-ms 250] [--watch-ms N] [--seed 1]
 *
 * Exits with 1 on an invariant broken, a 5xx or other answer outside the contract, a request left
 * unanswered in a reported step, or no sustained rate at all.
 */
import type { Dialect } from '../src/db/connect.js';
import { createApiToken } from '../src/services/tokens.js';
import { sleep, watchCapacity } from '../test/support/load.js';
import { ADMIN, agentCapacity, printProblems, settledProblems, startRig } from './lib/loadRig.js';
import { DEFAULT_SEARCH, latencyVerdict, nextRate, reportRates, type RouteRow, summarize, sustained } from './lib/openLoop.js';
import { OpenLoopTraffic, type StepResult } from './lib/openLoopTraffic.js';
import { flag, fmtMs, listFlag, numberFlag, printTable, quantile } from './lib/report.js';

interface Reported {
  share: number;
  step: StepResult;
  rows: RouteRow[];
}

interface Outcome {
  dialect: Dialect;
  processes: number;
  capacity: number | null;
  reported: Reported[];
  problems: string[];
}

const stepErrors = (step: StepResult) => step.samples.filter((s) => s.outcome === 'error').length;
const worst = (rows: readonly RouteRow[]) => rows.reduce<RouteRow | null>((w, r) => (w === null || r.p99 > w.p99 ? r : w), null);

function printStep(label: string, step: StepResult, rows: RouteRow[]): void {
  console.log(`\n${label}: offered ${step.offered.toFixed(1)}/s, achieved ${step.achieved.toFixed(1)}/s; start lag p99 ${fmtMs(step.lagP99)} (max ${fmtMs(step.lagMax)}); ${step.skipped} replies and closes skipped (no ticket known to act on)`);
  printTable(
    ['route', 'count', 'errors', 'refused', 'p50', 'p90', 'p99', 'max'],
    rows.map((r) => [r.route, String(r.count), String(r.errors), String(r.refused), fmtMs(r.p50), fmtMs(r.p90), fmtMs(r.p99), fmtMs(r.max)]),
  );
  for (const [key, n] of Object.entries(step.unanswered)) console.log(`  ${n} × no answer: ${key}`);
}

const LOGIN = 'POST /agents/login/';

/**
 * `Target: every route's p99 ≤ 250 ms at 50 % of capacity (40/s): met (worst: …)`, and the same
 * without the login POST on a second line: its scrypt hash alone may take most of the budget, so the
 * line says whether the rest meets it.
 */
function verdictLines(rows: readonly RouteRow[], rate: number, targetMs: number): string {
  const line = (label: string, list: readonly RouteRow[]) => {
    const w = worst(list);
    return `${label}: ${latencyVerdict(list, targetMs)}${w ? ` (worst: ${w.route} ${fmtMs(w.p99)})` : ''}`;
  };
  const others = rows.filter((r) => r.route !== LOGIN);
  return [line(`Target: every route's p99 ≤ ${targetMs} ms at 50 % of capacity (${rate}/s)`, rows), line(`        every route but ${LOGIN}`, others)].join('\n');
}

export async function openLoop(args: readonly string[]): Promise<number> {
  const dialects = listFlag(args, 'dialects', ['postgres', 'sqlite']) as Dialect[];
  const processesOf: Record<Dialect, number> = { postgres: numberFlag(args, 'pg-processes', 3), sqlite: numberFlag(args, 'sqlite-processes', 2) };
  const agentCount = numberFlag(args, 'agents', 30);
  const stepSeconds = numberFlag(args, 'step-seconds', 10);
  // Longer than a search step: a route at 3 % of the mix needs time for its p99 to mean something.
  const reportSeconds = numberFlag(args, 'report-seconds', 3 * stepSeconds);
  if (!(stepSeconds > 0) || !(reportSeconds > 0)) throw new Error('--step-seconds and --report-seconds must be positive');
  const targetMs = numberFlag(args, 'target-ms', 250);
  const seed = numberFlag(args, 'seed', 1);
  const givenRaw = flag(args, 'rates');
  const given = givenRaw === undefined ? undefined : listFlag(args, 'rates', []).map(Number);
  if (given?.some((r) => !(r > 0))) throw new Error(`--rates must be positive numbers, got ${givenRaw}`);
  const search = { ...DEFAULT_SEARCH, start: numberFlag(args, 'start-rate', DEFAULT_SEARCH.start), ...(given ? { given } : {}) };
  if (!(search.start > 0)) throw new Error('--start-rate must be positive');

  const runOne = async (dialect: Dialect): Promise<Outcome> => {
    const processes = processesOf[dialect];
    const rig = await startRig(dialect, processes, agentCount);
    try {
      const admin = await rig.handle.db.selectFrom('users').select('id').where('username', '=', ADMIN.username).executeTakeFirstOrThrow();
      const adminToken = (await createApiToken(rig.ctx, admin.id, 'bench:load open loop')).token;
      const traffic = await OpenLoopTraffic.start({ urls: rig.servers.map((s) => s.url), agents: rig.agents, admin: ADMIN, adminToken, seed, timeoutMs: 30_000 });
      // Every agent at its capacity and a few tickets waiting, as on a working day (not measured).
      const slots = Array.from({ length: agentCount }, (_, i) => agentCapacity(i)).reduce((a, b) => a + b, 0);
      await traffic.prefill(Math.ceil(slots * 1.1));
      console.log(`   ${agentCount} agents logged in, ${traffic.accepted.length} tickets created for them first; search steps of ${stepSeconds} s, reported steps of ${reportSeconds} s`);
      // Once a second only: each look holds the routing lock, which the measured requests need too.
      // Not on SQLite by default: better-sqlite3 waits for the write lock synchronously, which
      // would stall this process, the generator, and show up as latency of the servers.
      const watchMs = numberFlag(args, 'watch-ms', dialect === 'sqlite' ? 0 : 1000);
      const watcher = watchMs > 0 ? watchCapacity(rig.handle, watchMs) : null;
      const problems: string[] = [];
      const contract = (step: StepResult) => problems.push(...step.failures);

      const warmRate = Math.max(1, Math.min(search.given?.[0] ?? search.start, search.start) / 2);
      const warm = await traffic.runStep(warmRate, Math.min(3, stepSeconds));
      contract(warm);
      console.log(`   warm-up ${warmRate}/s: achieved ${warm.achieved.toFixed(1)}/s, p99 ${fmtMs(quantile(warm.samples.map((s) => s.ms), 0.99))} (not reported)`);

      const history: { rate: number; ok: boolean }[] = [];
      let decision = nextRate(history, search);
      while ('next' in decision) {
        await sleep(1000);
        const step = await traffic.runStep(decision.next, stepSeconds);
        contract(step);
        const p99 = quantile(step.samples.map((s) => s.ms), 0.99);
        const judged = sustained({ offered: step.offered, achieved: step.achieved, p99, errors: stepErrors(step) });
        history.push({ rate: decision.next, ok: judged.ok });
        console.log(`   ${String(decision.next).padStart(6)}/s: achieved ${step.achieved.toFixed(1)}/s, p99 ${fmtMs(p99)}, start lag p99 ${fmtMs(step.lagP99)}, ${stepErrors(step)} errors → ${judged.ok ? 'sustained' : `NOT sustained (${judged.reasons.join('; ')})`}`);
        decision = nextRate(history, search);
      }
      const { capacity } = decision;
      console.log(`   capacity: ${capacity === null ? 'none' : `${capacity}/s`} (${decision.why})`);

      const reported: Reported[] = [];
      if (capacity === null) problems.push('no rate was sustained');
      else {
        for (const { share, rate } of reportRates(capacity)) {
          await sleep(1000);
          const step = await traffic.runStep(rate, reportSeconds);
          contract(step);
          for (const [key, n] of Object.entries(step.unanswered)) problems.push(`${n} × no answer at ${Math.round(share * 100)} %: ${key}`);
          const rows = summarize(step.samples);
          reported.push({ share, step, rows });
          printStep(`${dialect}, ${Math.round(share * 100)} % of capacity (${rate}/s)`, step, rows);
          if (share === 0.5) console.log(verdictLines(rows, rate, targetMs));
        }
      }
      const watched = (await watcher?.stop()) ?? { checks: 0, violations: [] };
      const settled = await settledProblems(rig.handle, traffic.accepted, traffic.unansweredCreations);
      problems.unshift(...watched.violations, ...settled.problems);
      console.log(`   ${traffic.accepted.length} tickets acknowledged; I2/I3 looked at ${watched.checks} times during the run${watcher ? '' : ' (--watch-ms 0)'}, I1–I5 after it; outbox ${JSON.stringify(settled.outbox)}`);
      return { dialect, processes, capacity, reported, problems };
    } finally {
      await rig.stop();
    }
  };

  const outcomes: Outcome[] = [];
  for (const dialect of dialects) outcomes.push(await runOne(dialect));

  console.log(`\nLatency at a fixed arrival rate of mixed traffic (open loop, over HTTP, rate limits off; search steps of ${stepSeconds} s, reported steps of ${reportSeconds} s):\n`);
  printTable(
    ['database', 'processes', 'capacity', 'worst p99 at 25 %', 'at 50 %', 'at 75 %', `every p99 ≤ ${targetMs} ms at 50 %`, 'but the login POST', 'invariants'],
    outcomes.map(({ dialect, processes, capacity, reported, problems }) => {
      const at = (share: number) => {
        const found = reported.find((r) => r.share === share);
        const w = found ? worst(found.rows) : null;
        return w ? `${fmtMs(w.p99)} (${w.route}) at ${found!.step.rate}/s` : '–';
      };
      const half = reported.find((r) => r.share === 0.5)?.rows ?? [];
      return [
        dialect,
        String(processes),
        capacity === null ? 'none' : `${capacity}/s`,
        at(0.25),
        at(0.5),
        at(0.75),
        latencyVerdict(half, targetMs),
        latencyVerdict(half.filter((r) => r.route !== LOGIN), targetMs),
        problems.length === 0 ? 'I1–I5 hold' : `${problems.length} PROBLEMS`,
      ];
    }),
  );
  for (const { dialect, problems } of outcomes) {
    if (problems.length === 0) continue;
    console.log(`\n${dialect}:`);
    printProblems(problems);
  }
  return outcomes.some((o) => o.problems.length > 0) ? 1 : 0;
}
