/**
 * The IMAP source across a crash (§10), one database engine at a time: real server processes read
 * a real mailbox holding 200 mails while more arrive; the one reading it (the lease holder) is
 * killed with SIGKILL mid-way (no shutdown, its lease not given up) and started again. Once the
 * dead one's lease ran out (IMAP_LEASE_SECONDS, 10 s here), a process takes the mailbox over: the other server
 * when there are two, else the restarted one. In the end every mail was handled exactly once: one
 * inbound log row with a result per mail, one ticket per mail (no title twice), one message per
 * mail, the inbox empty and Processed holding each mail once. A mail handled but not yet moved when
 * the process died was only seen again (a duplicate).
 */
import { expect } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { numberedMail, until } from '../mail/support/imap.js';
import { startDovecot } from '../support/dovecot.js';
import { blankDatabase } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const AT_START = 200;
const ARRIVING = 40;
const TOTAL = AT_START + ARRIVING;

export interface ImapCrashReport {
  /** Mails handled when the holder was killed. */
  handledAtKill: number;
  /** Of those, already moved to Processed (the others were seen again after the kill). */
  movedAtKill: number;
}

export async function imapCrashScenario(dialect: Dialect, options: { servers: 1 | 2 }): Promise<ImapCrashReport> {
  const [dovecot, database] = await Promise.all([startDovecot(), blankDatabase(dialect)]);
  const servers: ServerProcess[] = [];
  try {
    const mails = Array.from({ length: TOTAL }, (_, i) => numberedMail('crash', i + 1));
    await dovecot.append(mails.slice(0, AT_START));
    // A lease of 10 s: the dead holder's runs out (and another process takes the mailbox over) in
    // seconds, not the default minute the test used to sit out.
    const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', IMAP_URL: dovecot.url, IMAP_POLL_SECONDS: '5', IMAP_LEASE_SECONDS: '10' };
    // One after the other: the first migrates the database.
    for (let i = 0; i < options.servers; i++) servers.push(await spawnServer(env));
    const db = database.open().db;
    const handled = async () => Number((await db.selectFrom('inbound_mails').select((eb) => eb.fn.countAll<number>().as('n')).where('result', 'is not', null).executeTakeFirstOrThrow()).n);

    // More mail arrives while the mailbox is worked through.
    const arriving = dovecot.append(mails.slice(AT_START));
    await until(async () => (await handled()) >= 60, 'a part of the mail to be handled', 120_000, 50);
    // The lease's holder names its process (host:pid:random).
    const lease = await db.selectFrom('leases').selectAll().executeTakeFirstOrThrow();
    const holder = servers.find((s) => lease.holder.split(':')[1] === String(s.child.pid));
    expect(holder, `the holder ${lease.holder} is one of the servers`).toBeDefined();
    await holder!.kill('SIGKILL');
    const report = { handledAtKill: await handled(), movedAtKill: await dovecot.count('Processed') };
    expect(report.handledAtKill, 'killed mid-way').toBeLessThan(TOTAL);
    await arriving;

    servers[servers.indexOf(holder!)] = await spawnServer(env, { port: holder!.port });
    await until(async () => (await handled()) === TOTAL, 'every mail to be handled after the kill', 150_000, 500);
    await until(async () => (await dovecot.count('INBOX')) === 0, 'the inbox to be emptied', 30_000, 500);
    for (const server of servers.splice(0)) await server.kill('SIGTERM');

    const rows = await db.selectFrom('inbound_mails').select(['mail_key', 'result', 'source', 'ticket_id']).execute();
    const keys = mails.map((_, i) => `<crash-${i + 1}@example.test>`).sort();
    expect(rows.map((r) => r.mail_key).sort(), 'one inbound row per mail').toEqual(keys);
    expect(rows.filter((r) => r.result !== 'created' || r.source !== 'imap' || r.ticket_id === null), 'rows not created from IMAP').toEqual([]);
    const tickets = await db.selectFrom('tickets').select(['id', 'title']).execute();
    expect(tickets).toHaveLength(TOTAL);
    expect(new Set(tickets.map((t) => t.title)).size, 'no ticket twice').toBe(TOTAL);
    expect(new Set(rows.map((r) => r.ticket_id)).size, 'one ticket per mail').toBe(TOTAL);
    const messages = Number((await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(messages, 'one message per mail').toBe(TOTAL);

    const processed = (await dovecot.list('Processed')).map((raw) => /^Message-ID: (.+)$/im.exec(raw.toString())![1]!.trim());
    expect(processed.sort(), 'Processed holds each mail once').toEqual(keys);
    expect(await dovecot.count('INBOX')).toBe(0);
    return report;
  } finally {
    for (const server of servers) await server.kill('SIGKILL');
    await Promise.all([dovecot.stop(), database.drop()]);
  }
}
