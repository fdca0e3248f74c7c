/**
 * Two real server processes on one PostgreSQL database, one with SMTP_URL (a real SMTP server in
 * this process), one without (README, *Running on PostgreSQL with several processes*). Tickets
 * created through the one WITHOUT a mail server, whose own delivery thread hears of them first:
 * every customer email reaches the SMTP server and none is only `logged`. Once the sender stops
 * (SIGTERM: its lease given up at once; SIGKILL: its lease runs out, 3 s here) the one without a mail
 * server logs the emails again, as the quick start does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_SENDER_LEASE_PREFIX } from '../../src/core/mailSenders.js';
import type { DbHandle } from '../../src/db/connect.js';
import { countLiveLeases } from '../../src/repositories/leases.js';
import { type BlankDatabase, blankDatabase } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';
import { until } from '../mail/support/imap.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';

const TICKETS = 20;
/** The senders' lease in these processes (honoured under vitest only): a SIGKILLed one runs out in 3 s. */
const LEASE_MS = 3_000;

describe('a server without SMTP_URL beside one with it, on one postgres database', () => {
  let database: BlankDatabase;
  let handle: DbHandle;
  let smtp: TestSmtpServer;
  let env: Record<string, string>;
  let mailerless: ServerProcess;
  const senders: ServerProcess[] = [];
  let created = 0;

  const liveSenders = () => countLiveLeases(handle.db, MAIL_SENDER_LEASE_PREFIX, Date.now());
  /** Every sender's lease row, alive or run out. */
  const senderLeases = () => handle.db.selectFrom('leases').select(['name', 'expires_at']).where('name', 'like', `${MAIL_SENDER_LEASE_PREFIX}%`).execute();
  /**
   * A server with SMTP_URL, once its delivery thread announces it: it answers /healthz as soon as it
   * listens, and its thread takes the lease a moment later (meanwhile no sender is known to be alive).
   */
  const startSender = async () => {
    const sender = await spawnServer({ ...env, SMTP_URL: smtp.url });
    senders.push(sender);
    await until(async () => (await liveSenders()) === 1, 'the sender’s lease');
    return sender;
  };
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
    env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', SMTP_URL: '', HELPDESK_TEST_MAIL_SENDER_LEASE_MS: String(LEASE_MS) };
    // The first migrates; then both run at once.
    mailerless = await spawnServer(env);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([mailerless, ...senders].map((s) => s?.kill('SIGTERM')));
    await smtp.close();
    await database.drop();
  });

  it(`sends every email of ${TICKETS} tickets created through the process without SMTP_URL; logs none`, async () => {
    const sender = await startSender();
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

  it('logs the emails again once the sender stops cleanly (SIGTERM gives its lease up at once)', async () => {
    expect(await senders[0]!.kill('SIGTERM')).toBe(0);
    // Given up: its row is gone, not left to run out.
    expect(await senderLeases()).toEqual([]);
    const addresses = await createTickets(mailerless, 3);
    const rows = await settled(addresses);
    expect(rows.map((r) => r.status)).toEqual(['logged', 'logged', 'logged']);
    expect(said(/no process with a mail server is running any more/)).toBe(1);
  }, 60_000);

  it('a sender killed with SIGKILL: emails wait for its lease to run out, then are logged', async () => {
    const sender = await startSender();
    const sentBefore = smtp.received.length;
    // Left to the new sender again, and sent.
    const sent = await createTickets(mailerless, 3);
    expect((await settled(sent)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(smtp.received).toHaveLength(sentBefore + 3);

    await sender.kill('SIGKILL');
    const leases = await senderLeases();
    expect(leases).toHaveLength(1);
    const runsOutAt = Number(leases[0]!.expires_at);
    expect(runsOutAt, 'the killed sender left its lease').toBeGreaterThan(Date.now());
    const addresses = await createTickets(mailerless, 3);
    const rows = await settled(addresses);
    expect(rows.map((r) => r.status)).toEqual(['logged', 'logged', 'logged']);
    // None taken while the killed sender's lease was alive.
    for (const row of rows) expect(row.sent_at).toBeGreaterThanOrEqual(runsOutAt);
    expect(smtp.received).toHaveLength(sentBefore + 3);
    expect([said(/leaving the emails to them/), said(/no process with a mail server is running any more/)]).toEqual([2, 2]);
  }, 90_000);
});
