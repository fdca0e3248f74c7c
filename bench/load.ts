/**
 * Load across processes (issue 6 point 2): several real server processes on one database take a
 * burst of concurrent ticket creations (form with its CSRF token, or the JSON API) while agents log
 * in and out, go away and come back, and close tickets from their dashboards (sometimes twice at
 * once), all over HTTP with rate limits off. I2 and I3 are watched on committed states during the
 * run (inside the routing lock); afterwards I1–I5 are checked on the whole database (every
 * acknowledged ticket exists, the events replay to the tickets' state, the outbox holds exactly the
 * §5 emails and sends each once).
 *
 *   npm run bench:load -- [--dialects sqlite,postgres] [--tickets 1000] [--agents 30]
 *                         [--concurrency 1000] [--pg-processes 3] [--sqlite-processes 2]
 *                         [--rounds 10] [--seed 1]
 *
 *   npm run bench:load -- --open-loop …   latency at a fixed arrival rate of mixed traffic: see bench/load-open.ts
 *
 * Exits with 1 when an invariant breaks or a request gets an answer it should not (5xx, …).
 * PostgreSQL: TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), a schema of its own.
 */
import type { Dialect } from '../src/db/connect.js';
import { type LoadResult, runLoad, watchCapacity } from '../test/support/load.js';
import { printProblems, settledProblems, startRig } from './lib/loadRig.js';
import { fmtMs, hasFlag, listFlag, numberFlag, printTable, quantile } from './lib/report.js';

const args = process.argv.slice(2);
if (hasFlag(args, 'open-loop')) {
  const { openLoop } = await import('./load-open.js');
  process.exit(await openLoop(args));
}
const dialects = listFlag(args, 'dialects', ['postgres', 'sqlite']) as Dialect[];
const tickets = numberFlag(args, 'tickets', 1000);
const agentCount = numberFlag(args, 'agents', 30);
const concurrency = numberFlag(args, 'concurrency', tickets);
const rounds = numberFlag(args, 'rounds', 10);
const seed = numberFlag(args, 'seed', 1);
const processesOf: Record<Dialect, number> = { postgres: numberFlag(args, 'pg-processes', 3), sqlite: numberFlag(args, 'sqlite-processes', 2) };

interface Outcome {
  dialect: Dialect;
  processes: number;
  result: LoadResult;
  checks: number;
  problems: string[];
  outbox: Record<string, number>;
}

async function runOne(dialect: Dialect): Promise<Outcome> {
  const processes = processesOf[dialect];
  const rig = await startRig(dialect, processes, agentCount);
  try {
    console.log(`   ${tickets} creations (${concurrency} at once), ${agentCount} agents, at least ${rounds} rounds each`);
    const watcher = watchCapacity(rig.handle, 100);
    const result = await runLoad({ urls: () => rig.servers.map((s) => s.url), tickets, concurrency, agents: rig.agents, agentRounds: rounds, seed });
    const watched = await watcher.stop();
    const settled = await settledProblems(rig.handle, result.accepted);
    const problems = [...watched.violations, ...settled.problems, ...result.failures];
    for (const [key, n] of Object.entries(result.unanswered)) problems.push(`${n} × no answer: ${key}`);
    return { dialect, processes, result, checks: watched.checks, problems, outbox: settled.outbox };
  } finally {
    await rig.stop();
  }
}

const outcomes: Outcome[] = [];
for (const dialect of dialects) outcomes.push(await runOne(dialect));

console.log('\nLoad across processes (all over HTTP, rate limits off):\n');
printTable(
  ['database', 'processes', 'creations ok', 'agents', 'requests', 'closes (double)', 'time', 'creations/s (burst)', 'requests/s', 'create p50 / p99', 'I2/I3 looks', 'invariants'],
  outcomes.map(({ dialect, processes, result, checks, problems }) => {
    const creates = [...(result.latencies['create-form'] ?? []), ...(result.latencies['create-api'] ?? [])];
    const seconds = result.elapsedMs / 1000;
    return [
      dialect,
      String(processes),
      `${result.accepted.length}/${tickets}`,
      String(agentCount),
      String(result.requests),
      `${result.closes} (${result.doubleCloses})`,
      `${seconds.toFixed(1)} s`,
      (result.accepted.length / (result.creationMs / 1000)).toFixed(0),
      (result.requests / seconds).toFixed(0),
      `${fmtMs(quantile(creates, 0.5))} / ${fmtMs(quantile(creates, 0.99))}`,
      String(checks),
      problems.length === 0 ? 'I1–I5 hold' : `${problems.length} PROBLEMS`,
    ];
  }),
);
for (const { dialect, result, problems, outbox } of outcomes) {
  console.log(`\n${dialect}: answers ${JSON.stringify(result.answers)}; outbox ${JSON.stringify(outbox)}`);
  printProblems(problems);
}
process.exit(outcomes.some((o) => o.problems.length > 0) ? 1 : 0);
