/**
 * What a webhook delivery costs the machine, apart from intake (issue 17 item 5). A backlog of
 * deliveries (3 endpoints on a receiver in a process of its own, bench/lib/webhookReceiver.mjs,
 * answering 204 at once; a ticket-sized body) is drained by the real worker (src/webhooks/worker.ts:
 * claims, signed POSTs, records), and the CPU it took is read per delivery: this process (the
 * worker and its database client; on SQLite the database too), PostgreSQL's processes, and the
 * receiver's. The baseline, in the same run: the same number of bare POSTs of the same body through
 * the same HTTP client, as many at once, with nothing claimed, signed or recorded. Rounds alternate.
 *
 *   npm run bench:webhooks -- [--dialects sqlite,postgres] [--deliveries 15000] [--rounds 2]
 *
 * Reads /proc, so Linux only. PostgreSQL's figure counts every postgres process on the machine:
 * run it on a quiet one.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dialect } from '../src/db/connect.js';
import { insertWebhookEvents, insertEndpoint } from '../src/repositories/webhooks.js';
import { webhookBacklog } from '../src/repositories/webhookLanes.js';
import { WebhookClient } from '../src/webhooks/post.js';
import { WebhookWorker } from '../src/webhooks/worker.js';
import { createBenchDatabase } from './lib/db.js';
import { listFlag, numberFlag, printTable } from './lib/report.js';
import { ROOT } from './lib/server.js';

const args = process.argv.slice(2);
const dialects = listFlag(args, 'dialects', ['sqlite', 'postgres']) as Dialect[];
const deliveries = numberFlag(args, 'deliveries', 15_000);
const rounds = numberFlag(args, 'rounds', 2);
const ENDPOINTS = 3;
/** What the worker posts to all endpoints at once: 8 each. */
const AT_ONCE = 8 * ENDPOINTS;
const TICK_US = 1e6 / 100; // /proc's clock ticks (USER_HZ 100)

/** CPU ticks (user + system) of a process, or of every process whose command line starts with `prefix`. */
function ticksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
function ticksOfCommand(prefix: string): number {
  let sum = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(prefix)) sum += ticksOf(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

interface Cost {
  perSecond: number;
  /** CPU per delivery (µs): this process, PostgreSQL, the receiver. */
  own: number;
  postgres: number;
  receiver: number;
}

async function measured(receiverPid: number, count: number, work: () => Promise<void>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const postgres = ticksOfCommand('postgres');
  const receiver = ticksOf(receiverPid);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: count / seconds,
    own: (used.user + used.system) / count,
    postgres: ((ticksOfCommand('postgres') - postgres) * TICK_US) / count,
    receiver: ((ticksOf(receiverPid) - receiver) * TICK_US) / count,
  };
}

const body = JSON.stringify({
  type: 'ticket.created',
  timestamp: new Date().toISOString(),
  data: { reference: 'HD-1042', title: 'The invoice of March shows the wrong VAT number', description: 'Hello, '.repeat(60), priority: 'medium', status: 'assigned' },
});

const receiver = fork(join(ROOT, 'bench/lib/webhookReceiver.mjs'), [], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => receiver.stdout!.on('data', (data: Buffer) => resolve(Number(/listening (\d+)/.exec(String(data))![1]))));
const quiet = { info: () => {}, warn: () => {}, error: (...details: unknown[]) => console.error('webhook worker:', ...details) };
console.log(`bench:webhooks: ${deliveries} deliveries to ${ENDPOINTS} endpoints per run, ${rounds} round(s); node ${process.version}`);

const rows: string[][] = [];
try {
  for (const dialect of dialects) {
    const database = await createBenchDatabase(dialect, 'webhooks');
    try {
      const db = database.handle.db;
      const now = Date.now();
      const endpoints: number[] = [];
      for (let i = 0; i < ENDPOINTS; i++) endpoints.push((await insertEndpoint(db, { url: `http://127.0.0.1:${port}/hook/${i}`, events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now })).id);
      const backlog = async () => {
        const events = Math.ceil(deliveries / ENDPOINTS);
        for (let i = 0; i < events; i += 500) {
          const batch = Array.from({ length: Math.min(500, events - i) }, (_, k) => `msg_${now}_${i + k}`);
          await insertWebhookEvents(db, batch.map((messageId) => ({ endpointIds: endpoints, event: 'ticket.created', messageId, ticketId: null, payload: body, now: Date.now() })));
        }
      };
      // Polled every 50 ms during the drain, whose CPU is measured: only whether any wait.
      const waiting = () => webhookBacklog(database.handle, 1);
      const runs: { worker: Cost[]; bare: Cost[] } = { worker: [], bare: [] };
      for (let round = 0; round < rounds; round++) {
        await backlog();
        const total = endpoints.length * Math.ceil(deliveries / ENDPOINTS);
        const worker = new WebhookWorker({ handle: database.handle, clock: { now: () => Date.now() }, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, pollMs: 50 });
        runs.worker.push(
          await measured(receiver.pid!, total, async () => {
            worker.start();
            while ((await waiting()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
            await worker.stop();
          }),
        );
        const client = new WebhookClient({ timeoutMs: 10_000, allowPrivate: true });
        let next = 0;
        runs.bare.push(
          await measured(receiver.pid!, total, async () => {
            await Promise.all(
              Array.from({ length: AT_ONCE }, async () => {
                while (next < total) {
                  next += 1;
                  await client.post(`http://127.0.0.1:${port}/bare`, { 'content-type': 'application/json' }, body);
                }
              }),
            );
          }),
        );
        await client.close();
      }
      const mean = (costs: Cost[], key: keyof Cost) => costs.reduce((sum, c) => sum + c[key], 0) / costs.length;
      for (const [label, costs] of [['deliveries (worker)', runs.worker], ['bare POSTs (baseline)', runs.bare]] as const) {
        const all = mean(costs, 'own') + mean(costs, 'postgres') + mean(costs, 'receiver');
        rows.push([dialect, label, String(Math.round(mean(costs, 'perSecond'))), ...(['own', 'postgres', 'receiver'] as const).map((k) => String(Math.round(mean(costs, k)))), String(Math.round(all))]);
      }
    } finally {
      await database.drop();
    }
  }
} finally {
  receiver.kill();
}
console.log('\nCPU per delivery, µs (means over the rounds; "helpdesk" is this process: the worker and its database client, and SQLite itself):');
printTable(['engine', 'run', 'per second', 'helpdesk', 'postgres', 'receiver', 'all'], rows);
