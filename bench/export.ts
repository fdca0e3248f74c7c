/**
 * The CSV export stays flat at millions (README, "Export"). For each engine and size (default
 * 10 000, 100 000 and 1 000 000 tickets; --quick: 10 000 and 100 000) a scratch database is seeded
 * (bench/seed.ts), the real server started on it, and /admin/tickets/export.csv downloaded whole by
 * a client that reads as it comes. Printed: rows/s and MB/s of the download, and the server's
 * resident memory — its peak (VmHWM) before the export (after the baseline requests) and after it,
 * the difference being what the export cost; then the peak after `--repeat` exports in a row on the
 * same server (default 3: three times the rows streamed through one process). Beside them, measured in the same run on the same
 * server: the median of GET /healthz and of the first page of /admin/tickets/ (50 rows), the floor a
 * request costs there, and how many first pages one export's time is worth.
 * Targets: the export's peak RSS at the largest size within 25 MB of the smallest's, and repeating
 * the export on one server adding at most 25 MB to its first peak (flat: batches of 1,000 rows,
 * never the whole result); rows/s within a factor of 2 across sizes.
 *
 *   npm run bench:export -- [--quick] [--dialects sqlite,postgres] [--sizes 10000,100000,1000000] [--runs 5] [--repeat 3]
 */
import type { Dialect } from '../src/db/connect.js';
import { BenchClient, expectStatus } from './lib/client.js';
import { createBenchDatabase, dropAll } from './lib/db.js';
import { fmtMs, fmtRatio, hasFlag, listFlag, median, numberFlag, printTable, verdict } from './lib/report.js';
import { startBenchServer } from './lib/server.js';
import { BENCH_ADMIN_PASSWORD, seed } from './seed.js';

const args = process.argv.slice(2);
const quick = hasFlag(args, 'quick');
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const sizes = listFlag(args, 'sizes', quick ? ['10000', '100000'] : ['10000', '100000', '1000000']).map(Number);
const runs = numberFlag(args, 'runs', 5);
const repeat = numberFlag(args, 'repeat', 3);

interface Figures {
  size: number;
  rows: number;
  ms: number;
  mb: number;
  healthzMs: number;
  firstPageMs: number;
  peakBeforeMb: number;
  peakAfterMb: number;
  /** The peak after `repeat` exports in a row on the same server (repeat × size rows streamed). */
  peakRepeatedMb: number;
}

/** Downloads `path` as a client saving it would: bytes counted as they come, records by their CRLFs. */
async function download(client: BenchClient, path: string): Promise<{ records: number; bytes: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(client.base + path, { headers: { cookie: client.cookieHeader() } });
  if (response.status !== 200 || !response.body) throw new Error(`${path} answered ${response.status}`);
  let bytes = 0;
  let records = 0;
  for await (const chunk of response.body) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
  }
  return { records, bytes, ms: performance.now() - started };
}

async function measure(dialect: Dialect, size: number): Promise<Figures> {
  const database = await createBenchDatabase(dialect, `export${size}`);
  try {
    const seeded = await seed(database.handle, { tickets: size });
    console.log(`  ${dialect} ${size}: seeded in ${fmtMs(seeded.ms)}`);
    const server = await startBenchServer(database.url);
    try {
      const admin = new BenchClient(server.url);
      await admin.login('admin', BENCH_ADMIN_PASSWORD);
      const times = async (path: string) => {
        const ms: number[] = [];
        for (let i = 0; i < runs + 2; i++) ms.push(expectStatus(await admin.get(path), 200, path).ms);
        return median(ms.slice(2));
      };
      const healthzMs = await times('/healthz');
      const firstPageMs = await times('/admin/tickets/');
      const peakBeforeMb = server.memory().peakMb;
      const { records, bytes, ms } = await download(admin, '/admin/tickets/export.csv');
      const peakAfterMb = server.memory().peakMb;
      // The header, then one record per ticket (the seed's titles have no line breaks).
      if (records !== seeded.tickets + 1) throw new Error(`exported ${records - 1} tickets of ${seeded.tickets}`);
      for (let i = 1; i < repeat; i++) await download(admin, '/admin/tickets/export.csv');
      return { size, rows: records - 1, ms, mb: bytes / 1e6, healthzMs, firstPageMs, peakBeforeMb, peakAfterMb, peakRepeatedMb: server.memory().peakMb };
    } finally {
      await server.stop();
    }
  } finally {
    await database.drop();
  }
}

async function main(): Promise<void> {
  console.log(`CSV export of /admin/tickets/ (every ticket), sizes ${sizes.join(', ')}; baselines: median of ${runs} after 2 warm-ups`);
  let ok = true;
  for (const dialect of dialects) {
    const all: Figures[] = [];
    for (const size of sizes) all.push(await measure(dialect, size));
    console.log(`\n${dialect}`);
    printTable(
      ['tickets', 'export', 'rows/s', 'MB', 'MB/s', 'peak RSS before → after', 'export costs', `peak after ${repeat} exports`, 'GET /healthz', 'first page /admin/tickets/', 'export / first page'],
      all.map((f) => [
        String(f.size),
        fmtMs(f.ms),
        String(Math.round(f.rows / (f.ms / 1000))),
        f.mb.toFixed(1),
        (f.mb / (f.ms / 1000)).toFixed(1),
        `${f.peakBeforeMb.toFixed(0)} → ${f.peakAfterMb.toFixed(0)} MB`,
        `${(f.peakAfterMb - f.peakBeforeMb).toFixed(0)} MB`,
        `${f.peakRepeatedMb.toFixed(0)} MB`,
        fmtMs(f.healthzMs),
        fmtMs(f.firstPageMs),
        fmtRatio(f.ms / f.firstPageMs),
      ]),
    );
    const [small, large] = [all[0]!, all.at(-1)!];
    const rssGrowth = large.peakAfterMb - small.peakAfterMb;
    const rate = (f: Figures) => f.rows / f.ms;
    const slowdown = rate(small) / rate(large);
    const flat = rssGrowth <= 25;
    const steady = slowdown <= 2;
    const repeated = Math.max(...all.map((f) => f.peakRepeatedMb - f.peakAfterMb));
    const bounded = repeated <= 25;
    ok &&= flat && steady && bounded;
    console.log(`peak RSS ${small.size} → ${large.size}: ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(0)} MB (target ≤ 25 MB): ${verdict(flat)}`);
    console.log(`peak RSS after ${repeat} exports vs after 1, at most: +${repeated.toFixed(0)} MB (target ≤ 25 MB): ${verdict(bounded)}`);
    console.log(`rows/s ${small.size} ÷ ${large.size}: ${fmtRatio(slowdown)} (target ≤ 2×): ${verdict(steady)}`);
  }
  if (!ok) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => dropAll());
