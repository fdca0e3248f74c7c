/**
 * Mail through the IMAP watcher, for bench:inbound: a real Dovecot (started as the tests start it)
 * holds `count` mails before a server with IMAP_URL starts; the time from the watcher's first look
 * until every mail is handled and moved to Processed gives mails per second (fetch, ingest with its
 * commit, move).
 */
import { sql } from 'kysely';
import { startDovecot } from '../../test/support/dovecot.js';
import type { BenchDatabase } from './db.js';
import { startBenchServer } from './server.js';

export async function imapIntake(database: BenchDatabase, count: number, mail: (n: number) => string): Promise<{ mails: number; seconds: number }> {
  const dovecot = await startDovecot();
  try {
    const mailbox = dovecot.newMailbox();
    for (let start = 0; start < count; start += 100) {
      await mailbox.append(Array.from({ length: Math.min(100, count - start) }, (_, i) => mail(start + i)));
    }
    const handled = async () => {
      const { rows } = await sql<{ n: number }>`select count(*) as n from inbound_mails where source = 'imap'`.execute(database.handle.db);
      return Number(rows[0]!.n);
    };
    const server = await startBenchServer(database.url, { INBOUND_TICKETS_PER_HOUR: '1000000', IMAP_URL: mailbox.url, IMAP_POLL_SECONDS: '1' });
    try {
      // Timed from the first mail handled, so the server's start-up is not counted.
      const deadline = Date.now() + 600_000;
      while ((await handled()) === 0) {
        if (Date.now() > deadline) throw new Error(`IMAP: nothing handled within 10 minutes\n${server.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const started = performance.now();
      const first = await handled();
      while ((await mailbox.count('Processed')) < count) {
        if (Date.now() > deadline) throw new Error(`IMAP: ${await handled()} of ${count} handled within 10 minutes\n${server.output().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const seconds = (performance.now() - started) / 1000;
      if ((await handled()) !== count) throw new Error(`IMAP: ${count} mails moved but ${await handled()} logged`);
      return { mails: count - first, seconds };
    } finally {
      await server.stop();
    }
  } finally {
    await dovecot.stop();
  }
}
