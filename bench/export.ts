/**
 * The CSV export stays flat at millions (README, "Export"). For each engine and size (default
 * 10 000, 100 000 and 1 000 000 tickets; --quick: 10 000 and 100 000) a scratch database is seeded
 * (bench/seed.ts, without the search index: an export of every ticket never reads it), the real
 * server started on it with `node --expose-gc`, and /admin/tickets/export.csv downloaded whole,
 * `--repeat` times in a row (default 3, at least 2) on the same server, by a client that reads as
 * it comes; with --heap-mb N, all of it again on a second server on the same database, started with
 * `--max-old-space-size=N` (its rows say `≤ N MB`):
 * - the first download is timed: rows/s and MB/s, the server's peak resident memory (VmHWM)
 *   before and after it, and the heap V8 has committed plus external memory, garbage included,
 *   before and just after it (the part of RSS that V8 sizes);
 * - during the second, each time another tenth of the rows has arrived (nine times), the client asks the
 *   server for its live memory (POST /bench/heap/, BENCH_ROUTES only, never in production): heap
 *   used plus external memory (Buffers) right after a full garbage collection, while the export
 *   is in flight. Printed: the most of those, beside the same figure before the first download
 *   and after the last;
 * - the peak RSS after the last.
 * Beside them, measured in the same run on the same server: the median of GET /healthz and of the
 * first page of /admin/tickets/ (50 rows), and how many first pages one export's time is worth;
 * and the machine's load average (1 min) before and after each size's downloads.
 *
 * Decision (5 December 2026; figures in docs/performance.md, "CSV export at a million tickets"):
 * "flat" is judged on the live memory during the export, not on RSS. What an export keeps is alive
 * after a full collection in the middle of it: a list of the rows or of their keys, the text already
 * sent, socket writes queued ahead of the client. At 100k tickets the CSV is ~24 MB, at 1M ~240 MB,
 * so holding the rows, or a tenth of their text, shows far above the target below (a deliberate
 * change keeping each chunk read +19.9 MB at 100k). Peak RSS is no such measure: within one server
 * it grows with the export's size while the live memory stays flat, because V8 lets garbage pile up
 * before collecting it (PostgreSQL, 1M: RSS 230 → 386 MB while the heap V8 had committed plus
 * external, uncollected, went 83 → 177 MB and the live memory moved 1.6 MB; on a server capped at
 * 64 MB the same export peaked at 252 MB), and between two servers of one run it differed by up to
 * 72 MB before any export (220–292 MB), so comparing the peaks of two sizes (the former target)
 * measured start-up as much as the export. A run with --heap-mb proves flatness the other way: a process that held the rows would
 * die of "heap out of memory" before the end. 64 MB is a probe, not a setting: it leaves V8 ~30 MB
 * above the live set, so it runs a full collection every ~100 ms and every answer slows down (96
 * does not). RSS is still printed.
 * Targets: live memory during the export at most 10 MB above the same server's before it, at every
 * size; after the last download within 5 MB of before it (nothing kept); with --heap-mb, every
 * size exported whole under the cap; rows/s within a factor of 2 across sizes.
 *
 *   npm run bench:export -- [--quick] [--dialects sqlite,postgres] [--sizes 10000,100000,1000000] [--runs 5] [--repeat 3] [--heap-mb 96]
 */
import { loadavg } from 'node:os';
import type { Dialect } from '../src/db/connect.js';
import { systemClock } from '../src/services/context.js';
import { createApiToken } from '../src/services/tokens.js';
import { BenchClient, expectStatus } from './lib/client.js';
import { type BenchDatabase, createBenchDatabase, runBench } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, listFlag, median, numberFlag, printTable, verdict } from './lib/report.js';
import { type BenchServer, startBenchServer } from './lib/server.js';
import { BENCH_ADMIN_PASSWORD, seed, type SeedResult } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const sizes = listFlag(args, 'sizes', quick ? ['10000', '100000'] : ['10000', '100000', '1000000']).map(Number);
const runs = numberFlag(args, 'runs', 5);
const repeat = Math.max(2, numberFlag(args, 'repeat', 3));
/** The server's old-generation cap in MB (node --max-old-space-size); 0: node's default. */
const heapMb = numberFlag(args, 'heap-mb', 0);

const EXPORT = '/admin/tickets/export.csv';
/** Live memory during the export above the same server's before it, at most (MB). */
const IN_FLIGHT_TARGET_MB = 10;
/** Live memory after the last download above before the first, at most (MB). */
const KEPT_TARGET_MB = 5;

interface Figures {
  size: number;
  /** The server's --max-old-space-size (MB); 0: node's default. */
  cap: number;
  rows: number;
  ms: number;
  mb: number;
  healthzMs: number;
  firstPageMs: number;
  peakBeforeMb: number;
  peakAfterMb: number;
  /** The peak after `repeat` exports in a row on the same server (repeat × size rows streamed). */
  peakRepeatedMb: number;
  /** The heap V8 had committed plus external, garbage included, before and just after the first download. */
  committedBeforeMb: number;
  committedAfterMb: number;
  /** Live memory (heap used + external after a full collection) before the first download. */
  liveBeforeMb: number;
  /** The most live memory seen during the second download (each tenth of the rows). */
  liveDuringMb: number;
  /** Live memory after the last download. */
  liveAfterMb: number;
  /** Load average (1 min) before and after this size's downloads. */
  load: [number, number];
}

/** A size the server did not export whole (with --heap-mb: what it died of). */
interface Failure {
  size: number;
  cap: number;
  failed: string;
}

const MB = 2 ** 20;

/**
 * The server's memory in MB: `live`, heap used plus external right after a full collection;
 * `committed`, the heap V8 had committed plus external just before it (garbage included).
 */
async function heapFigures(server: BenchServer, admin: { authorization: string }): Promise<{ live: number; committed: number }> {
  const response = await fetch(`${server.url}/bench/heap/`, { method: 'POST', headers: admin });
  if (response.status !== 200) throw new Error(`/bench/heap/ answered ${response.status}`);
  const memory = (await response.json()) as { gc: boolean; heapUsed: number; external: number; before: { heapTotal: number; external: number } };
  if (!memory.gc) throw new Error('the server has no gc(): start it with node --expose-gc');
  return { live: (memory.heapUsed + memory.external) / MB, committed: (memory.before.heapTotal + memory.before.external) / MB };
}

/**
 * Downloads `path` as a client saving it would: bytes counted as they come, records by their CRLFs.
 * `atMarks`, if given, is awaited each time the records counted pass the next of `marks`.
 */
async function download(client: BenchClient, path: string, marks: number[] = [], atMarks?: () => Promise<void>): Promise<{ records: number; bytes: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(client.base + path, { headers: { cookie: client.cookieHeader() } });
  if (response.status !== 200 || !response.body) throw new Error(`${path} answered ${response.status}`);
  let bytes = 0;
  let records = 0;
  let mark = 0;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
    while (atMarks && mark < marks.length && records >= marks[mark]!) {
      mark++;
      await atMarks();
    }
  }
  return { records, bytes, ms: performance.now() - started };
}

/** The exports on a server started on `database` (old generation capped at `cap` MB, 0: node's default). */
async function exportOn(database: BenchDatabase, seeded: SeedResult, cap: number): Promise<Figures | Failure> {
  const size = seeded.tickets;
  const server = await startBenchServer(database.url, {}, ['--expose-gc', ...(cap > 0 ? [`--max-old-space-size=${cap}`] : [])]);
  try {
    const admin = new BenchClient(server.url);
    await admin.login('admin', BENCH_ADMIN_PASSWORD);
    const ctx = { handle: database.handle, clock: systemClock, publicUrl: server.url };
    const token = { authorization: `Bearer ${(await createApiToken(ctx, seeded.adminId, 'bench:export')).token}` };
    const times = async (path: string) => {
      const ms: number[] = [];
      for (let i = 0; i < runs + 2; i++) ms.push(expectStatus(await admin.get(path), 200, path).ms);
      return median(ms.slice(2));
    };
    const healthzMs = await times('/healthz');
    const firstPageMs = await times('/admin/tickets/');
    const loadBefore = loadavg()[0]!;
    const { live: liveBeforeMb, committed: committedBeforeMb } = await heapFigures(server, token);
    const peakBeforeMb = server.memory().peakMb;
    try {
      const { records, bytes, ms } = await download(admin, EXPORT);
      const peakAfterMb = server.memory().peakMb;
      const committedAfterMb = (await heapFigures(server, token)).committed;
      // The header, then one record per ticket (the seed's titles have no line breaks).
      if (records !== size + 1) throw new Error(`exported ${records - 1} tickets of ${size}`);
      // At a tenth of the records, two tenths, … nine tenths: while the rest waits to be sent.
      const marks = Array.from({ length: 9 }, (_, k) => Math.max(1, Math.floor(((k + 1) * records) / 10)));
      let liveDuringMb = 0;
      const sampled = await download(admin, EXPORT, marks, async () => void (liveDuringMb = Math.max(liveDuringMb, (await heapFigures(server, token)).live)));
      if (sampled.records !== records) throw new Error(`the second export had ${sampled.records - 1} tickets of ${size}`);
      for (let i = 2; i < repeat; i++) await download(admin, EXPORT);
      const peakRepeatedMb = server.memory().peakMb;
      const liveAfterMb = (await heapFigures(server, token)).live;
      const load: [number, number] = [loadBefore, loadavg()[0]!];
      return { size, cap, rows: records - 1, ms, mb: bytes / 1e6, healthzMs, firstPageMs, peakBeforeMb, peakAfterMb, peakRepeatedMb, committedBeforeMb, committedAfterMb, liveBeforeMb, liveDuringMb, liveAfterMb, load };
    } catch (error) {
      // Under a heap cap, a server that held the rows dies mid-download: that is the figure.
      await new Promise((r) => setTimeout(r, 500));
      if (cap === 0 || server.child.exitCode === null) throw error;
      const fatal = server.output().split('\n').find((line) => /out of memory|FATAL/i.test(line)) ?? `exit code ${server.child.exitCode}`;
      return { size, cap, failed: fatal.trim() };
    }
  } finally {
    await server.stop();
  }
}

/** Seeds `size` tickets, then the exports on a server with node's default heap and, with --heap-mb, on one capped. */
async function measure(dialect: Dialect, size: number): Promise<(Figures | Failure)[]> {
  const database = await createBenchDatabase(dialect, `export${size}`);
  try {
    const seeded = await seed(database.handle, { tickets: size, searchIndex: false });
    console.log(`  ${dialect} ${size}: seeded in ${fmtMs(seeded.ms)} (load average ${loadavg()[0]!.toFixed(1)})`);
    const outcomes = [];
    for (const cap of heapMb > 0 ? [0, heapMb] : [0]) outcomes.push(await exportOn(database, seeded, cap));
    return outcomes;
  } finally {
    await database.drop();
  }
}

const mb = (value: number) => `${value.toFixed(0)} MB`;
const heapOf = (cap: number) => (cap > 0 ? `≤ ${cap} MB` : 'default');
const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(1)} MB`;

async function main(): Promise<void> {
  const capped = heapMb > 0 ? `, on a server with node's default heap and then on one with --max-old-space-size=${heapMb}` : '';
  console.log(`CSV export of /admin/tickets/ (every ticket), sizes ${sizes.join(', ')}, ${repeat} exports per server${capped}; baselines: median of ${runs} after 2 warm-ups`);
  let ok = true;
  for (const dialect of dialects) {
    const outcomes: (Figures | Failure)[] = [];
    for (const size of sizes) outcomes.push(...(await measure(dialect, size)));
    const all = outcomes.filter((o): o is Figures => !('failed' in o));
    const failed = outcomes.filter((o): o is Failure => 'failed' in o);
    console.log(`\n${dialect}`);
    printTable(
      ['tickets', 'server heap', 'export', 'rows/s', 'MB', 'MB/s', 'live memory before · during · after', 'peak RSS before → after', 'JS heap + external before → after, uncollected', `peak RSS after ${repeat} exports`, 'GET /healthz', 'first page /admin/tickets/', 'export / first page', 'load avg'],
      all.map((f) => [
        String(f.size),
        heapOf(f.cap),
        fmtMs(f.ms),
        String(Math.round(f.rows / (f.ms / 1000))),
        f.mb.toFixed(1),
        (f.mb / (f.ms / 1000)).toFixed(1),
        `${f.liveBeforeMb.toFixed(1)} · ${f.liveDuringMb.toFixed(1)} (${signed(f.liveDuringMb - f.liveBeforeMb)}) · ${f.liveAfterMb.toFixed(1)} MB`,
        `${mb(f.peakBeforeMb)} → ${mb(f.peakAfterMb)}`,
        `${mb(f.committedBeforeMb)} → ${mb(f.committedAfterMb)}`,
        mb(f.peakRepeatedMb),
        fmtMs(f.healthzMs),
        fmtMs(f.firstPageMs),
        fmtRatio(f.ms / f.firstPageMs),
        `${f.load[0].toFixed(1)} → ${f.load[1].toFixed(1)}`,
      ]),
    );
    for (const f of failed) console.log(`${f.size} tickets, ${heapOf(f.cap)}: not exported whole — the server died: ${f.failed}`);
    if (heapMb > 0) console.log(`every size exported whole with the heap capped at ${heapMb} MB: ${verdict(failed.length === 0)}`);
    ok &&= failed.length === 0;
    if (all.length === 0) continue;
    const inFlight = Math.max(...all.map((f) => f.liveDuringMb - f.liveBeforeMb));
    const kept = Math.max(...all.map((f) => f.liveAfterMb - f.liveBeforeMb));
    // Speed and RSS across sizes on the servers with node's default heap (a cap makes V8 collect more often).
    const uncapped = all.filter((f) => f.cap === 0);
    const [small, large] = [uncapped[0]!, uncapped.at(-1)!];
    const rate = (f: Figures) => f.rows / f.ms;
    const slowdown = rate(small) / rate(large);
    const flat = inFlight <= IN_FLIGHT_TARGET_MB;
    const nothingKept = kept <= KEPT_TARGET_MB;
    const steady = slowdown <= 2;
    ok &&= flat && nothingKept && steady;
    console.log(`live memory during the export above before it, at most: ${signed(inFlight)} (target ≤ ${IN_FLIGHT_TARGET_MB} MB at every size): ${verdict(flat)}`);
    console.log(`live memory after ${repeat} exports above before them, at most: ${signed(kept)} (target ≤ ${KEPT_TARGET_MB} MB): ${verdict(nothingKept)}`);
    console.log(`rows/s ${small.size} ÷ ${large.size}: ${fmtRatio(slowdown)} (target ≤ 2×): ${verdict(steady)}`);
    const rssGrowth = large.peakAfterMb - small.peakAfterMb;
    console.log(`peak RSS ${small.size} → ${large.size}: ${signed(rssGrowth)}; after ${repeat} exports vs 1, at most ${signed(Math.max(...uncapped.map((f) => f.peakRepeatedMb - f.peakAfterMb)))} (printed, not judged: see the header)`);
  }
  if (!ok) process.exitCode = 1;
}

await runBench(main);
