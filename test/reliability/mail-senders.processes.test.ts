/**
 * Two real server processes on one PostgreSQL database, one with SMTP_URL (a real SMTP server in
 * this process), one without (README, *Running on PostgreSQL with several processes*). Tickets
 * created through the one WITHOUT a mail server, whose own delivery thread hears of them first:
 * every customer email reaches the SMTP server and none is only `logged`, not even those created
 * while the only sender restarts (SIGTERM, then started again): the senders' marker outlives them
 * by the grace period (60 s, then 5 s here), and the emails of the gap wait for the sender that
 * comes back.
 * Once no sender has run for the grace period (stopped with SIGTERM: its lease given up at once;
 * SIGKILL: its lease runs out, 3 s here, the marker later) the one without a mail server logs the
 * emails again, as the quick start does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE } from '../../src/core/mailSenders.js';
import type { DbHandle } from '../../src/db/connect.js';
import { liveLeasesAndExpiry } from '../../src/repositories/leases.js';
import { type BlankDatabase, blankDatabase } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { until } from '../mail/support/imap.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';

const TICKETS = 20;
/** The senders' lease in these processes (honoured under vitest only): a SIGKILLed one runs out in 3 s. */
const LEASE_MS = 3_000;
/**
 * The senders' grace period in these processes (honoured under vitest only; 10 minutes otherwise),
 * set by each sender as it renews the marker (the last renewal wins). The first sender's is longer
 * than a sender takes to start again on a loaded machine (its restart is the gap waited out); the
 * later ones' short, to be waited out twice.
 */
const RESTART_GRACE_MS = 60_000;
const GRACE_MS = 5_000;

describe('a server without SMTP_URL beside one with it, on one postgres database', () => {
  let database: BlankDatabase;
  let handle: DbHandle;
  let smtp: TestSmtpServer;
  let env: Record<string, string>;
  let mailerless: ServerProcess;
  const senders: ServerProcess[] = [];
  let created = 0;

  const liveSenders = async () => (await liveLeasesAndExpiry(handle.db, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE, Date.now())).live;
  /** Every sender's lease row, alive or run out. */
  const senderLeases = () => handle.db.selectFrom('leases').select(['name', 'expires_at']).where('name', 'like', `${MAIL_SENDER_LEASE_PREFIX}%`).execute();
  /** Until when the senders' marker holds (null: none ever ran). */
  const markerUntil = async () => (await liveLeasesAndExpiry(handle.db, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE, Date.now())).until;
  /** A server with SMTP_URL: it answers /healthz only once its delivery thread has taken its lease. */
  const startSender = async (graceMs = GRACE_MS) => {
    const sender = await spawnServer({ ...env, SMTP_URL: smtp.url, HELPDESK_TEST_MAIL_SENDER_GRACE_MS: String(graceMs) });
    senders.push(sender);
    expect(await liveSenders(), 'the lease is taken before the server answers').toBe(1);
    return sender;
  };
  /** The statuses of the emails to `addresses`, as they are now. */
  const statusesNow = async (addresses: string[]) => (await handle.db.selectFrom('outbox').select('status').where('to_address', 'in', addresses).execute()).map((r) => r.status);
  /** `count` tickets created through `server`; their customers' addresses. */
  const createTickets = async (server: ServerProcess, count: number) => {
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) {
      const email = `carla${++created}@customer.example`;
      const response = await fetch(`${server.url}/api/v1/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Carla', email, title: `Printer ${created}`, description: 'Help.', priority: 'medium' }),
      });
      expect(response.status).toBe(201);
      addresses.push(email);
    }
    return addresses;
  };
  /** The outbox rows to `addresses` once none is waiting or being sent any more. */
  const settled = async (addresses: string[], timeoutMs = 30_000) => {
    let rows: { to_address: string; status: string; sent_at: number | null }[] = [];
    await until(
      async () => {
        rows = await handle.db.selectFrom('outbox').select(['to_address', 'status', 'sent_at']).where('to_address', 'in', addresses).execute();
        return rows.length === addresses.length && rows.every((r) => r.status !== 'pending' && r.status !== 'sending');
      },
      `the emails to ${addresses.length} customers handed over`,
      timeoutMs,
    );
    return rows.map((r) => ({ ...r, sent_at: Number(r.sent_at) }));
  };
  const said = (pattern: RegExp) => mailerless.output().split('\n').filter((line) => pattern.test(line)).length;

  beforeAll(async () => {
    database = await blankDatabase('postgres');
    handle = database.open();
    smtp = await startSmtpServer();
    env = {
      DATABASE_URL: database.url,
      ADMIN_PASSWORD: 'admin-password',
      RATE_LIMIT: 'off',
      SMTP_URL: '',
      HELPDESK_TEST_MAIL_SENDER_LEASE_MS: String(LEASE_MS),
    };
    // The first migrates; then both run at once.
    mailerless = await spawnServer(env);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([mailerless, ...senders].map((s) => s?.kill('SIGTERM')));
    await smtp.close();
    await database.drop();
  });

  it(`sends every email of ${TICKETS} tickets created through the process without SMTP_URL; logs none`, async () => {
    const sender = await startSender(RESTART_GRACE_MS);
    // The sender's delivery thread runs: one ticket of its own is sent.
    const [first] = await createTickets(sender, 1);
    expect((await settled([first!]))[0]!.status).toBe('sent');

    const addresses = await createTickets(mailerless, TICKETS);
    const rows = await settled(addresses);
    expect(rows.filter((r) => r.status !== 'sent'), 'none only logged').toEqual([]);
    expect(smtp.received.map((e) => e.rcptTo[0]).sort()).toEqual([first!, ...addresses].sort());
    expect(await liveSenders()).toBe(1);
    expect(said(/leaving the emails to them/), 'said once, not every round').toBe(1);
  }, 120_000);

  it('the only sender restarts (SIGTERM, started again): the emails of the gap wait for it and are sent, none logged', async () => {
    const sentBefore = smtp.received.length;
    expect(await senders[0]!.kill('SIGTERM')).toBe(0);
    // Its own lease given up at once (its row gone, not left to run out); the marker stays.
    expect(await senderLeases()).toEqual([]);
    expect(await markerUntil()).toBeGreaterThan(Date.now());
    const gap = await createTickets(mailerless, 3);
    // The process without a mail server has had rounds meanwhile (nudged by each ticket, polling each second).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await statusesNow(gap), 'left pending while the sender is away').toEqual(['pending', 'pending', 'pending']);

    await startSender();
    const rows = await settled(gap);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.received.slice(sentBefore).map((e) => e.rcptTo[0]).sort()).toEqual([...gap].sort());
    expect(said(/no process with a mail server is running any more/), 'never went back to logging').toBe(0);
  }, 90_000);

  it('logs the emails again once no sender has run for the grace period (the last one stopped with SIGTERM)', async () => {
    const sentBefore = smtp.received.length;
    expect(await senders.at(-1)!.kill('SIGTERM')).toBe(0);
    const graceEnd = await markerUntil();
    const addresses = await createTickets(mailerless, 3);
    const rows = await settled(addresses, GRACE_MS + 30_000);
    expect(rows.map((r) => r.status)).toEqual(['logged', 'logged', 'logged']);
    // None taken before the grace period ended.
    for (const row of rows) expect(row.sent_at).toBeGreaterThanOrEqual(graceEnd!);
    expect(smtp.received).toHaveLength(sentBefore);
    // The server says so before it claims, but its line can reach this process after the rows were read.
    await until(() => said(/no process with a mail server is running any more/) >= 1, 'the log line that it logs again');
    expect(said(/no process with a mail server is running any more/)).toBe(1);
  }, 90_000);

  it('a sender killed with SIGKILL: emails wait for its lease to run out and the grace period after it, then are logged', async () => {
    const sender = await startSender();
    const sentBefore = smtp.received.length;
    // Left to the new sender again, and sent.
    const sent = await createTickets(mailerless, 3);
    expect((await settled(sent)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.received).toHaveLength(sentBefore + 3);

    await sender.kill('SIGKILL');
    const leases = await senderLeases();
    expect(leases).toHaveLength(1);
    expect(Number(leases[0]!.expires_at), 'the killed sender left its lease').toBeGreaterThan(Date.now());
    const graceEnd = await markerUntil();
    expect(graceEnd, 'and the marker, holding longer').toBeGreaterThan(Number(leases[0]!.expires_at));
    const addresses = await createTickets(mailerless, 3);
    const rows = await settled(addresses, GRACE_MS + 30_000);
    expect(rows.map((r) => r.status)).toEqual(['logged', 'logged', 'logged']);
    // None taken while the killed sender's lease or the marker was alive.
    for (const row of rows) expect(row.sent_at).toBeGreaterThanOrEqual(graceEnd!);
    expect(smtp.received).toHaveLength(sentBefore + 3);
    // As above: a line written before the claim can arrive after the rows were read (seen once in CI).
    await until(() => said(/no process with a mail server is running any more/) >= 2, 'the log line that it logs again');
    expect([said(/leaving the emails to them/), said(/no process with a mail server is running any more/)]).toEqual([2, 2]);
  }, 90_000);
});
