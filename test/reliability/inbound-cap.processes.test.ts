/**
 * Rule 7's hourly cap (§10, INBOUND_TICKETS_PER_HOUR) with two real server processes on one
 * database: the mails of one sender posted at once to both (as two servers behind a balancer, or
 * two `mail:ingest` pipes, would get them) open no more tickets than the cap, whatever letter case
 * each writes the address in. Within a process the mails of one sender go one after another
 * (services/inboundTurns.ts); across processes each counted the sender's tickets on committed
 * state before writing, so the first mail of each process both saw the sender under the cap, and so
 * on: 8 mails with a cap of 3 opened 4 tickets. The test holds the write lock (the routing lock on
 * PostgreSQL, SQLite's write lock) while the burst arrives, so both processes' first mails have
 * read what they read before either writes: the race is met every run, not by chance.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { DIALECTS, TEST_PG_URL } from '../support/db.js';
import { serversOnBlankDatabase, sleep } from '../support/load.js';
import { rawMail } from '../mail/support/raw-mail.js';

const PER_HOUR = 3;
const MAILS = 8;
/** The routing lock's class (src/db/transaction.ts). */
const ROUTING_LOCK_CLASS = 4242;

/** Holds the database's write lock until the returned release is called. */
type Hold = () => Promise<() => Promise<void>>;

/**
 * On PostgreSQL the routing lock of the schema, held until both processes' routing transactions
 * wait for it (pg_locks), so each has read its count before.
 */
function holdRoutingLock(url: string): Hold {
  const schema = new URL(url).searchParams.get('schema')!;
  return async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    await client.query('select pg_advisory_lock($1, hashtext($2))', [ROUTING_LOCK_CLASS, schema]);
    return async () => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { rows } = await client.query<{ n: string }>(
          `select count(*) as n from pg_locks where locktype = 'advisory' and not granted and classid = $1 and objid::bigint = (hashtext($2)::bigint + 4294967296) % 4294967296`,
          [ROUTING_LOCK_CLASS, schema],
        );
        if (Number(rows[0]!.n) >= 2 || Date.now() > deadline) break;
        await sleep(20);
      }
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [ROUTING_LOCK_CLASS, schema]);
      await client.end();
    };
  };
}

/** On SQLite the file's write lock (BEGIN IMMEDIATE), held a moment: the servers wait for it up to 10 s. */
function holdWriteLock(url: string): Hold {
  return async () => {
    const file = new Database(url.replace(/^sqlite:/, ''));
    file.pragma('busy_timeout = 10000');
    file.exec('begin immediate');
    return async () => {
      await sleep(1_500);
      file.exec('rollback');
      file.close();
    };
  };
}

for (const dialect of DIALECTS) {
  describe(`the per-sender hourly cap with two server processes on one ${dialect} database`, () => {
    const { database, servers } = serversOnBlankDatabase(dialect, 2, { INBOUND_TICKETS_PER_HOUR: String(PER_HOUR) });

    it(`${MAILS} mails of one sender posted at once to both open ${PER_HOUR} tickets; the rest are rejected`, async () => {
      const handle = database().open();
      const admin = await handle.db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
      const { token } = await createApiToken({ handle, clock: { now: () => Date.now() }, publicUrl: 'http://localhost' }, admin.id, 'mail server', 'inbound');
      const hold = dialect === 'postgres' ? holdRoutingLock(database().url) : holdWriteLock(database().url);
      const senders = ['mo@flood.example', 'MO@flood.example', 'Mo@Flood.Example', 'mo@FLOOD.example'];

      const release = await hold();
      const posted = Promise.all(
        Array.from({ length: MAILS }, async (_, i) => {
          const response = await fetch(`${servers()[i % 2]!.url}/api/v1/inbound/email`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
            body: rawMail({ from: senders[i % senders.length]!, subject: `Flood ${i}` }),
          });
          expect(response.status).toBe(200);
          return ((await response.json()) as { result: string }).result;
        }),
      );
      await release();
      const results = (await posted).sort();

      expect(results).toEqual([...Array<string>(PER_HOUR).fill('created'), ...Array<string>(MAILS - PER_HOUR).fill('rejected')]);
      expect(await handle.db.selectFrom('tickets').select('id').where('title', 'like', 'Flood %').execute()).toHaveLength(PER_HOUR);
      const logged = await handle.db.selectFrom('inbound_mails').select(['result', 'reason']).where('result', '=', 'rejected').execute();
      expect(logged).toEqual(Array(MAILS - PER_HOUR).fill({ result: 'rejected', reason: `This sender created ${PER_HOUR} tickets within the last hour (the limit is ${PER_HOUR}).` }));
    });
  });
}
