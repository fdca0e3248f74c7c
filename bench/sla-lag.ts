/**
 * SLA lag: how long after a ticket's deadline the breach is recorded, with the real monitor
 * running in a real server process (src/server.ts), among 100 000 other open tickets whose
 * deadlines are still ahead (all of them in the monitor's partial index).
 *
 * Measured tickets (high priority, 10 % with an offline agent, the rest pending) fall due at
 * known instants once the server runs: `--tickets` of them spread evenly over `--window` seconds,
 * then a burst of `--burst` all due in the same millisecond. Per ticket:
 * - recorded lag = sla_breached_at − sla_due_at (the instant the monitor's pass marked it);
 * - observed lag = when an admin's live stream (GET /agents/events/, Server-Sent Events) delivered
 *   its `sla_breached` event − sla_due_at: after the commit, as a dashboard sees it.
 * With §11 targets (the default; `--no-targets` for §4 alone) every ticket also has a first-response
 * target due at the same instant and warnings ahead of both, so the monitor fires two breaches and
 * two warnings per measured ticket and every watch's index holds the other open tickets too; the
 * first-response breach's recorded lag is reported beside the resolution's.
 * Baseline: the same measured tickets on a database with no other open ticket, in the same run.
 * Target: p99 ≤ 1 s (§4: within a second of the deadline). Each ticket must get exactly one
 * sla_breached event.
 *
 *   npm run bench:sla-lag -- [--dialects sqlite,postgres] [--open 100000] [--tickets 600]
 *                            [--window 30] [--burst 200] [--no-targets] [--quick]
 * --quick: a 10 s window, 200 tickets, a burst of 100.
 */
import { sql } from 'kysely';
import type { Dialect } from '../src/db/connect.js';
import { BenchClient } from './lib/client.js';
import { createBenchDatabase, dropAll } from './lib/db.js';
import { fmtMs, hasFlag, listFlag, numberFlag, printTable, quantile, verdict } from './lib/report.js';
import { startBenchServer } from './lib/server.js';
import { BENCH_ADMIN_PASSWORD, seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const background = numberFlag(args, 'open', 100_000);
const measured = numberFlag(args, 'tickets', quick ? 200 : 600);
const windowMs = numberFlag(args, 'window', quick ? 10 : 30) * 1000;
const burst = numberFlag(args, 'burst', quick ? 100 : 200);
const targets = !hasFlag(args, 'no-targets');
/** How long before its deadline each §11 warning falls due. */
const WARN_AHEAD_MS = 5000;
/** Time for the server to start before the first deadline. */
const LEAD_MS = 20_000;

interface Lags {
  recorded: number[];
  observed: number[];
}

interface PhaseResult {
  dialect: Dialect;
  phase: string;
  open: number;
  spread: Lags;
  burst: Lags;
  /** First-response breaches' recorded lags (with targets). */
  firstResponse: number[];
  missing: number;
}

/** Listens to an admin's live stream; calls `onBreach(ticketId, at)` for each sla_breached event. */
async function listen(base: string, cookie: string, onBreach: (ticketId: number, at: number) => void): Promise<AbortController> {
  const abort = new AbortController();
  const response = await fetch(`${base}/agents/events/`, { headers: { cookie, accept: 'text/event-stream' }, signal: abort.signal });
  if (response.status !== 200 || !response.body) throw new Error(`live stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = Date.now();
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(message)?.[1];
          if (/^event: ticket$/m.test(message) && data) {
            const event = JSON.parse(data) as { ticketId: number; type: string };
            if (event.type === 'sla_breached') onBreach(event.ticketId, at);
          }
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) console.error('live stream:', error);
    }
  })();
  return abort;
}

async function phase(dialect: Dialect, open: number): Promise<PhaseResult> {
  const database = await createBenchDatabase(dialect, 'slalag');
  const { db } = database.handle;
  try {
    const seeded = await seed(database.handle, { tickets: 0, agents: 10, capacity: 5, freshAgents: 0 });
    // Nobody is available: no routing moves anything while the monitor works.
    await db.updateTable('users').set({ presence: 'offline' }).execute();
    const lit = (n: number) => sql.lit(n);
    // The other open tickets are due hours from the start; the measured window starts LEAD_MS after
    // they are written (with the dashboard summaries' triggers, writing them takes a while).
    let t0 = Date.now();
    if (open > 0) {
      // Open tickets due two to five hours from now: all in the monitor's index, none due.
      const series = dialect === 'postgres' ? sql`` : sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${lit(open)}) `;
      const from = dialect === 'postgres' ? sql`from generate_series(1::bigint, ${lit(open)}::bigint) as s(i)` : sql`from s`;
      const due = sql`${lit(t0)} + 7200000 + i * 100`;
      const clocks = targets ? sql`${due}, ${due} - 1800000, ${due} - 1800000` : sql`null, null, null`;
      await sql`${series}insert into tickets (token, customer_name, customer_email, title, description, priority, status, agent_id, created_at, assigned_at, closed_at, sla_due_at, sla_breached_at, first_response_due_at, sla_warn_at, first_response_warn_at)
        select 'bg' || i, 'Customer', 'c' || i || '@example.com', 'Waiting ticket ' || i, 'Waiting.', 'low', 'open', null,
          ${due} - 3600000, null, null, ${due}, null, ${clocks}
        ${from}`.execute(db);
      if (dialect === 'postgres') await sql`analyze tickets`.execute(db);
    }
    t0 = Date.now() + LEAD_MS;
    // The measured tickets: evenly spread over the window, then a burst due at one instant.
    const dueTimes = [...Array.from({ length: measured }, (_, k) => t0 + Math.round((k * windowMs) / measured)), ...Array.from({ length: burst }, () => t0 + windowMs + 2000)];
    const rows = dueTimes.map((due, k) => ({
      token: `measured-${k}`,
      customer_name: 'Customer',
      customer_email: `m${k}@example.com`,
      title: `Measured ${k}`,
      description: 'Due soon.',
      priority: 'high' as const,
      status: 'open' as const,
      agent_id: k % 10 === 0 ? seeded.agentIds[k % seeded.agentIds.length]! : null,
      created_at: due - 60_000,
      assigned_at: k % 10 === 0 ? due - 59_000 : null,
      closed_at: null,
      sla_due_at: due,
      sla_breached_at: null,
      first_response_due_at: targets ? due : null,
      sla_warn_at: targets ? due - WARN_AHEAD_MS : null,
      first_response_warn_at: targets ? due - WARN_AHEAD_MS : null,
    }));
    const ids = new Map<number, { due: number; burst: boolean }>();
    for (let k = 0; k < rows.length; k += 500) {
      const inserted = await db.insertInto('tickets').values(rows.slice(k, k + 500)).returning(['id', 'sla_due_at']).execute();
      inserted.forEach((r, j) => ids.set(r.id, { due: Number(r.sla_due_at), burst: k + j >= measured }));
    }

    const server = await startBenchServer(database.url);
    const observed = new Map<number, number>();
    let stream: AbortController | undefined;
    try {
      const admin = new BenchClient(server.url);
      await admin.login('admin', BENCH_ADMIN_PASSWORD);
      stream = await listen(server.url, admin.cookieHeader(), (id, at) => {
        if (ids.has(id) && !observed.has(id)) observed.set(id, at);
      });
      if (Date.now() > t0 - 1000) throw new Error('the server took too long to start: raise LEAD_MS');
      const last = Math.max(...dueTimes);
      while (Date.now() < last + 5000) await new Promise((r) => setTimeout(r, 250));
    } finally {
      stream?.abort();
      await server.stop();
    }

    const marked = await db
      .selectFrom('tickets')
      .select(['id', 'sla_due_at', 'sla_breached_at', 'first_response_due_at', 'first_response_breached_at', 'sla_warned_at', 'first_response_warned_at'])
      .where('id', 'in', [...ids.keys()])
      .execute();
    const events = await db
      .selectFrom('ticket_events')
      .select(['ticket_id', 'metric', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', '=', 'sla_breached')
      .groupBy(['ticket_id', 'metric'])
      .execute();
    const twice = events.filter((e) => Number(e.n) !== 1);
    if (twice.length > 0) throw new Error(`tickets with more than one sla_breached event for a target: ${twice.map((e) => `${e.ticket_id} (${e.metric})`).join(', ')}`);
    if (targets) {
      const unwarned = marked.filter((m) => m.sla_warned_at === null || m.first_response_warned_at === null).length;
      if (unwarned > 0) throw new Error(`${unwarned} measured tickets missed a warning`);
      if (events.length !== 2 * marked.length) throw new Error(`expected two breaches (resolution, first response) per measured ticket, found ${events.length} for ${marked.length}`);
    }
    const lags = (isBurst: boolean): Lags => {
      const mine = marked.filter((m) => ids.get(m.id)!.burst === isBurst && m.sla_breached_at !== null);
      return {
        recorded: mine.map((m) => Number(m.sla_breached_at) - Number(m.sla_due_at)),
        observed: mine.filter((m) => observed.has(m.id)).map((m) => observed.get(m.id)! - Number(m.sla_due_at)),
      };
    };
    const missing = marked.filter((m) => m.sla_breached_at === null || (targets && m.first_response_breached_at === null)).length;
    const firstResponse = marked.filter((m) => m.first_response_breached_at !== null).map((m) => Number(m.first_response_breached_at) - Number(m.first_response_due_at));
    return { dialect, phase: open > 0 ? `${open} other open` : 'baseline: no other open', open, spread: lags(false), burst: lags(true), firstResponse, missing };
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:sla-lag: ${measured} tickets due over ${windowMs / 1000} s, then ${burst} due at one instant; among ${background} other open tickets (baseline: none); ${targets ? 'with §11 targets: a first-response breach at the same instant and two warnings each' : '§4 only'}; node ${process.version}`,
  );
  const rows: string[][] = [];
  for (const dialect of dialects) {
    for (const open of [0, background]) {
      const r = await phase(dialect, open);
      for (const [group, lags] of [['spread', r.spread], ['burst', r.burst]] as const) {
        const p = (values: number[], q: number) => fmtMs(quantile(values, q));
        const p99 = quantile(lags.observed, 0.99);
        rows.push([
          dialect,
          r.phase,
          group === 'spread' ? `${measured} over ${windowMs / 1000} s` : `${burst} at once`,
          `${p(lags.recorded, 0.5)} / ${p(lags.recorded, 0.99)} / ${fmtMs(Math.max(...lags.recorded))}`,
          `${p(lags.observed, 0.5)} / ${p(lags.observed, 0.99)} / ${fmtMs(Math.max(...lags.observed))}`,
          `${lags.observed.length}/${group === 'spread' ? measured : burst}`,
          String(r.missing),
          verdict(p99 <= 1000 && r.missing === 0),
        ]);
      }
      if (targets) {
        const p99 = quantile(r.firstResponse, 0.99);
        rows.push([dialect, r.phase, 'first response, all', `${fmtMs(quantile(r.firstResponse, 0.5))} / ${fmtMs(p99)} / ${fmtMs(Math.max(...r.firstResponse))}`, '—', '—', String(r.missing), verdict(p99 <= 1000 && r.missing === 0)]);
      }
      console.log(`  ${dialect}, ${r.phase}: done`);
    }
  }
  console.log('\nLag after the deadline (target: p99 ≤ 1 s):');
  printTable(['engine', 'open tickets', 'tickets due', 'recorded p50 / p99 / max', 'observed (live stream) p50 / p99 / max', 'seen live', 'never marked', 'target'], rows);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await dropAll();
  process.exitCode = 1;
});
