/**
 * What the intake benchmarks share: the customer's ticket (as the form sends it), a browser's
 * CSRF credentials, and the closer that keeps agents' loads at what they are at work.
 */
import type autocannon from 'autocannon';
import { sql } from 'kysely';
import { csrfFrom } from './client.js';
import type { BenchDatabase } from './db.js';
import type { BenchServer } from './server.js';

export const TICKET_TITLE = 'Printer prints every page twice';
export const TICKET_DESCRIPTION =
  'Since this morning the printer on the second floor prints every page twice and then stops with a paper jam message, although there is no paper stuck anywhere. We restarted it twice.';

/** The ticket form's body as a browser posts it. */
export function ticketForm(priority: string, csrf: string, topic?: string): string {
  return new URLSearchParams({ name: 'Carla Customer', email: 'carla@example.com', title: TICKET_TITLE, description: TICKET_DESCRIPTION, priority, ...(topic ? { topic } : {}), _csrf: csrf }).toString();
}

/** One browser's CSRF cookie and the token of the form it was given. */
export async function browserCredentials(server: BenchServer): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${server.url}/tickets/create/`);
  return { cookie: page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: csrfFrom(await page.text()) };
}

/**
 * Every 100 ms, closes the agents' open tickets with one UPDATE (no events or emails), so routing
 * always finds room and loads stay at a handful instead of growing with the run.
 *
 * On SQLite through the server's own connection (POST /bench/close-assigned/, BENCH_ROUTES=on): a
 * second writing process would make the server wait for the file lock. On PostgreSQL on the
 * bench's own connection (`database`), without the dashboard summaries' triggers (the replica
 * role): setting that role makes PostgreSQL drop the plans kept on the connection it is set on, so
 * on one of the server's pooled connections every close had the next routing transaction there
 * plan its prepared state again, inside the routing lock (pg_stat_statements: about half of them).
 */
export function startCloser(server: BenchServer, admin: { authorization: string }, database: Pick<BenchDatabase, 'dialect' | 'handle'>): { stop(): Promise<void> } {
  const close =
    database.dialect === 'postgres'
      ? () =>
          database.handle.db.transaction().execute(async (trx) => {
            await sql`set local session_replication_role = replica`.execute(trx);
            await sql`update tickets set status = 'closed', closed_at = ${Date.now()} where status = 'open' and agent_id is not null`.execute(trx);
          })
      : () =>
          fetch(`${server.url}/bench/close-assigned/`, { method: 'POST', headers: admin }).then((response) => {
            if (response.status !== 204) throw new Error(`close-assigned answered ${response.status}`);
          });
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = close()
      .catch((error: unknown) => console.error('closer:', error))
      .finally(() => (running = null));
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** One timed run of one route at one concurrency. */
export interface Run<R extends string> {
  route: R;
  connections: number;
  /** Requests answered `okStatus` per second. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Any other answer or error. */
  other: number;
  seconds: number;
}

/** autocannon's result as a Run: only answers with `okStatus` count. */
export function runOf<R extends string>(route: R, connections: number, result: autocannon.Result, okStatus: string): Run<R> {
  const ok = result.statusCodeStats?.[okStatus as keyof typeof result.statusCodeStats]?.count ?? 0;
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return { route, connections, rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, ok, other: total - ok + result.errors, seconds: result.duration };
}

/** A customer's new mail, as a mail client writes it: each one a different Message-ID and sender. */
export function customerMail(n: number, runId: string): string {
  const boundary = `b-${runId}-${n}`;
  return [
    `From: Carla Customer ${n} <carla.${n % 997}@customer.example>`,
    'To: Support <support@helpdesk.example>',
    `Subject: ${TICKET_TITLE}`,
    `Message-ID: <${runId}.${n}@mail.customer.example>`,
    'Date: Wed, 02 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    TICKET_DESCRIPTION,
    '',
    'Carla',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    `<div dir="ltr"><p>${TICKET_DESCRIPTION}</p><p>Carla</p></div>`,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
