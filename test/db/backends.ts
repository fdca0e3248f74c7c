/**
 * PostgreSQL backends seen from outside, for tests that drop or cancel a connection the way a
 * restart, a failover or an operator would. Each test names its connections (`application_name`)
 * and touches only those: test files run in parallel on the same server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_PG_URL } from '../support/db.js';

/** A name no other test uses, for `application_name`. */
export function uniqueAppName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** `url` with `application_name` set (pg takes it from the connection string). */
export function withAppName(url: string, name: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${encodeURIComponent(name)}`;
}

async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Calls `pg_terminate_backend` (the connection is dropped) or `pg_cancel_backend` (the statement
 * in progress is cancelled) on every backend named `name`; returns how many there were.
 */
export function signalBackends(action: 'terminate' | 'cancel', name: string): Promise<number> {
  const fn = action === 'terminate' ? 'pg_terminate_backend' : 'pg_cancel_backend';
  return asAdmin(async (client) => {
    const { rows } = await client.query<{ done: boolean }>(`select ${fn}(pid) as done from pg_stat_activity where application_name = $1`, [name]);
    return rows.filter((r) => r.done).length;
  });
}

/** Backends named `name` that wait for a lock (an advisory lock, for the routing lock). */
export function lockWaiters(name: string): Promise<number> {
  return asAdmin(async (client) => {
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`, [name]);
    return rows[0]!.n;
  });
}

/** Resolves once `check()` holds (polling), rejects after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A pg client of its own on the schema of the PostgreSQL database at `url` (a test's `?schema=`): a third writer, or a watcher. */
export async function schemaClient(url: string): Promise<pg.Client> {
  const schema = new URL(url).searchParams.get('schema')!;
  const client = new pg.Client({ connectionString: url.split('?')[0] });
  await client.connect();
  await client.query(`set search_path to ${schema}`);
  return client;
}
