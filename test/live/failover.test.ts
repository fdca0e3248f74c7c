/**
 * Live updates across processes after a PostgreSQL failover. The listening connection (LISTEN, not
 * from the pool) stayed on the demoted primary: it answered its heartbeats, but the notifications
 * now went to the new primary, so no page heard another process's changes until a restart. The pool
 * noticed the failover (a connection said read-only) and moved; the listening connection did not.
 *
 * The failover is played with two databases on the test server behind a proxy: the demoted primary
 * is the test's database, the new primary a second database the proxy sends new connections to.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ping } from '../../src/db/connect.js';
import type { LiveEvent } from '../../src/live/hub.js';
import { channelOf, createPostgresHub, envelopes } from '../../src/live/postgresHub.js';
import { freshDatabase, pgAdmin, TEST_PG_URL } from '../support/db.js';
import { cuttableProxy, demoteConnections } from '../support/pgProxy.js';

/** Sends `event` on `channel` of database `name` as another process would. */
async function notifyIn(name: string, channel: string, event: LiveEvent): Promise<void> {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.href });
  await client.connect();
  try {
    for (const payload of envelopes('another-process', [event])) await client.query('select pg_notify($1, $2)', [channel, payload]);
  } finally {
    await client.end();
  }
}

describe('live updates after a PostgreSQL failover', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("listen again where the pool went once the pool finds its connections read-only, and ask pages to refetch what they missed", async () => {
    const database = await freshDatabase('postgres');
    cleanups.push(() => database.drop());
    const demoted = new URL(TEST_PG_URL).pathname.slice(1);
    const promoted = `hd_failover_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`create database ${promoted}`);
    cleanups.push(() => pgAdmin(`drop database if exists ${promoted} with (force)`));
    const proxy = await cuttableProxy();
    cleanups.push(() => proxy.close());
    const url = proxy.via(database.url);
    const handle = connect(url, { poolSize: 2, onReadOnly: () => undefined });
    cleanups.push(() => handle.destroy());
    const errors: unknown[] = [];
    const hub = createPostgresHub({ url, handle, onError: (error) => errors.push(error) });
    cleanups.push(() => hub.close());
    await hub.ready();
    const heard: LiveEvent[] = [];
    hub.subscribe((event) => heard.push(event));
    const channel = channelOf(database.url);

    await notifyIn(demoted, channel, { kind: 'presence', agentId: 1, presence: 'available' });
    await expect.poll(() => heard).toEqual([{ kind: 'presence', agentId: 1, presence: 'available' }]);

    // The failover: the address moves, and the pool's connections now lead to a read-only server.
    proxy.moveTo(promoted);
    await demoteConnections(handle, 2);
    expect(await ping(handle)).toEqual({ readOnly: true });
    expect(await ping(handle)).toEqual({ readOnly: false });

    await expect.poll(() => heard.some((event) => event.kind === 'resync'), { timeout: 5_000 }).toBe(true);
    await notifyIn(promoted, channel, { kind: 'presence', agentId: 2, presence: 'away' });
    await expect.poll(() => heard, { timeout: 5_000 }).toContainEqual({ kind: 'presence', agentId: 2, presence: 'away' });
    expect(errors.map(String)).toEqual([expect.stringMatching(/read-only/)]);
  });
});
