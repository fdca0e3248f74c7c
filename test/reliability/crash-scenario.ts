/**
 * Crash safety (issue 6 point 1), one database engine at a time: a real server process takes
 * continuous ticket creations and agent activity over HTTP, is killed with SIGKILL mid-load (no
 * shutdown at all), restarted on the same database and port, killed again, and so on. Checked:
 *
 * - right after each kill, before any restart (so nothing repairs it): every ticket acknowledged
 *   so far (303 or 201) exists, and I1–I4 hold on what was committed;
 * - at the end: the same over the whole run, and the load saw no 5xx (only unanswered requests
 *   while the server was down);
 * - replies (§9): agents answer their tickets through the API all along; every reply acknowledged
 *   (201) exists right after each kill as exactly one message with exactly one `reply` email (the
 *   invariants check one reply email per reply message), and at the end each was sent once;
 * - the outbox: every email pending at a kill is sent by the restarted server; an email that was
 *   in the middle of its send when the process died is sent again once its lease runs out (with the
 *   same Message-ID, so the customer's mail client shows one), and no other email is sent twice.
 */
import { expect } from 'vitest';
import type { DbHandle, Dialect } from '../../src/db/connect.js';
import type { OutboxRow } from '../../src/db/schema.js';
import { messageIdFor } from '../../src/mail/message.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { createApiToken } from '../../src/services/tokens.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import type { ServiceContext } from '../../src/services/context.js';
import { startSmtpServer } from '../mail/support/smtp.js';
import { addStaff } from '../support/app.js';
import { blankDatabase, invariantViolations, random, runLoad, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const MAIL_FROM = 'Helpdesk <helpdesk@crash.test>';

/** CRASH_TRACE=1 prints the steps with their times (to see where a slow or stuck run is). */
function trace(...parts: unknown[]): void {
  if (process.env.CRASH_TRACE) console.log(new Date().toISOString().slice(11, 23), ...parts);
}

export interface CrashReport {
  kills: number;
  requests: number;
  accepted: number;
  stored: number;
  unanswered: number;
  inFlightEmails: number;
  emails: number;
  replies: number;
}

/**
 * One agent answering its open tickets through the API until stopped: each reply has a unique
 * body, recorded once the server answered 201. A reply may meet a ticket that was just closed
 * (409) or moved (403/404); an unanswered request (the server is down) is tried on the next round.
 * Returns the answers that break the contract.
 */
async function replyLoop(url: () => string, agent: { username: string; token: string }, stop: () => boolean, acknowledged: string[]): Promise<string[]> {
  const failures: string[] = [];
  const headers = { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' };
  for (let n = 0; !stop(); n++) {
    try {
      const list = await fetch(`${url()}/api/v1/tickets?state=open&agent=${agent.username}&limit=5`, { headers, signal: AbortSignal.timeout(5_000) });
      if (list.status !== 200) {
        trace("list", list.status, await list.text());
        if (list.status >= 500) failures.push(`list ${list.status}`);
        await sleep(50);
        continue;
      }
      const items = ((await list.json()) as { items: { reference: string }[] }).items;
      if (items.length === 0) {
        await sleep(50);
        continue;
      }
      const body = `crash reply ${agent.username} #${n}`;
      const answer = await fetch(`${url()}/api/v1/tickets/${items[n % items.length]!.reference}/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ kind: 'reply', body }),
        signal: AbortSignal.timeout(5_000),
      });
      if (answer.status === 201) acknowledged.push(body);
      else if (![403, 404, 409].includes(answer.status)) failures.push(`reply ${answer.status}`);
      else trace("reply refused", answer.status, await answer.text());
    } catch {
      // Connection refused or cut by the kill: the server is down; try again.
      await sleep(50);
    }
  }
  return failures;
}

/** Acknowledged replies that are not stored exactly once, or lack their one `reply` email. */
async function missingReplies(db: DbHandle['db'], bodies: readonly string[]): Promise<string[]> {
  if (bodies.length === 0) return [];
  const rows = await db
    .selectFrom('messages as m')
    .leftJoin('outbox as o', 'o.message_id', 'm.id')
    .select(['m.body', 'm.kind', 'o.id as email'])
    .where('m.body', 'in', [...bodies])
    .execute();
  const problems: string[] = [];
  for (const body of bodies) {
    const found = rows.filter((r) => r.body === body);
    if (found.length !== 1 || found[0]!.kind !== 'reply' || found[0]!.email === null) problems.push(`${body}: ${found.length} message rows, ${found.filter((r) => r.email !== null).length} emails`);
  }
  return problems;
}

export async function crashScenario(dialect: Dialect, options: { kills: number; seed: number }): Promise<CrashReport> {
  // A mail server that takes its time, so that some sends are in the middle when the process dies.
  const smtp = await startSmtpServer({ delayMs: 10 });
  const database = await blankDatabase(dialect);
  const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off', SMTP_URL: smtp.url, MAIL_FROM };
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer(env);
    const port = server.port;
    const handle = database.open();
    const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
    const agents = [];
    for (let i = 0; i < 4; i++) {
      await addStaff(ctx, `agent${i}`, { capacity: 2 + (i % 2) });
      agents.push({ username: `agent${i}`, password: 'password123' });
    }

    const rnd = random(options.seed);
    let stopping = false;
    const accepted: string[] = [];
    const load = runLoad({
      urls: () => [server!.url],
      tickets: 0,
      concurrency: 8,
      agents,
      agentRounds: 0,
      seed: options.seed,
      until: () => stopping,
      onAccepted: (token) => accepted.push(token),
    });

    // Agents answering their tickets through the API while the server is killed and restarted.
    const repliers = [];
    for (let i = 0; i < 2; i++) {
      const id = (await handle.db.selectFrom('users').select('id').where('username', '=', `agent${i}`).executeTakeFirstOrThrow()).id;
      repliers.push({ username: `agent${i}`, token: (await createApiToken(ctx, id, 'crash')).token });
    }
    const acknowledgedReplies: string[] = [];
    const replying = Promise.all(repliers.map((r) => replyLoop(() => server!.url, r, () => stopping, acknowledgedReplies)));

    const inFlight = new Set<number>();
    for (let kill = 0; kill < options.kills; kill++) {
      await sleep(1_200 + Math.floor(rnd() * 1_500));
      const before = accepted.length;
      trace('kill', kill + 1, 'accepted', before);
      await server.kill('SIGKILL');
      trace('killed');
      // A COMMIT the process sent just before it died may still be landing in PostgreSQL.
      await sleep(200);
      expect(before, 'the load was running when the server was killed').toBeGreaterThan(0);
      // What the dead process left, before anything could repair it.
      const sending = await handle.db.selectFrom('outbox').select('id').where('status', '=', 'sending').execute();
      for (const row of sending) inFlight.add(row.id);
      expect(await invariantViolations(handle, accepted.slice()), `after kill ${kill + 1}`).toEqual([]);
      expect(await missingReplies(handle.db, acknowledgedReplies.slice()), `replies after kill ${kill + 1}`).toEqual([]);
      await sleep(Math.floor(rnd() * 300));
      server = await spawnServer(env, { port });
      trace('restarted');
    }
    await sleep(1_500);
    stopping = true;
    const result = await load;
    const replies = await replying;
    trace('load stopped', result.requests, 'replies', acknowledgedReplies.length);
    expect(acknowledgedReplies.length, 'replies were acknowledged across the restarts').toBeGreaterThan(0);
    expect(replies.flat(), 'reply answers that break the contract').toEqual([]);
    expect(await missingReplies(handle.db, acknowledgedReplies), 'replies at the end').toEqual([]);

    expect(result.failures, 'answers that break the contract').toEqual([]);
    expect(Object.values(result.unanswered).reduce((a, b) => a + b, 0), 'requests cut off by the kills').toBeGreaterThan(0);
    expect(await invariantViolations(handle, accepted), 'at the end').toEqual([]);
    const stored = Number((await handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // Acknowledged ones all exist; a few more may have committed just before their answer was lost.
    expect(stored).toBeGreaterThanOrEqual(accepted.length);
    expect(result.closes, 'agents worked across the restarts').toBeGreaterThan(0);

    // The restarted server sends everything that was waiting.
    const waiting = () => handle.db.selectFrom('outbox').selectAll().where('status', 'in', ['pending', 'sending']).execute();
    let stuck = await waiting();
    for (const deadline = Date.now() + 30_000; stuck.some((r) => !inFlight.has(r.id)) && Date.now() < deadline; stuck = await waiting()) await sleep(200);
    trace('outbox', stuck.length, 'waiting');
    expect(stuck.filter((r) => r.status === 'pending'), 'pending emails after the restart').toEqual([]);
    // Only emails caught mid-send by a kill are still waiting, for their lease to run out.
    expect(stuck.filter((r) => !inFlight.has(r.id)).map((r) => `${r.id} ${r.status}`), 'still sending').toEqual([]);
    await server.kill('SIGTERM');
    server = undefined;

    // Past the lease (7 minutes), any worker takes them again.
    const later = { now: () => Date.now() + 8 * 60_000 };
    const mailer = createSmtpMailer(smtp.url);
    try {
      const worker = new OutboxWorker({ handle, mailer, clock: later, from: MAIL_FROM, logger: { info() {}, warn() {}, error() {} } });
      for (let round = 0; round < 20 && (await worker.runOnce()).claimed > 0; round++);
    } finally {
      mailer.close();
    }
    const rows: OutboxRow[] = await handle.db.selectFrom('outbox').selectAll().orderBy('id').execute();
    expect(rows.filter((r) => r.status !== 'sent').map((r) => `${r.id} ${r.status} ${r.last_error}`)).toEqual([]);

    // Each email reached the mail server; only those caught mid-send may have reached it twice.
    const received = new Map<string, number>();
    for (const email of smtp.received) received.set(email.messageId ?? '', (received.get(email.messageId ?? '') ?? 0) + 1);
    for (const row of rows) {
      const times = received.get(messageIdFor(row, MAIL_FROM)) ?? 0;
      expect(times, `email ${row.id}`).toBeGreaterThanOrEqual(1);
      if (!inFlight.has(row.id)) expect(times, `email ${row.id} sent twice`).toBe(1);
    }
    expect(smtp.received.length).toBeLessThanOrEqual(rows.length + inFlight.size);
    return {
      kills: options.kills,
      requests: result.requests,
      accepted: accepted.length,
      stored,
      unanswered: Object.values(result.unanswered).reduce((a, b) => a + b, 0),
      inFlightEmails: inFlight.size,
      emails: rows.length,
      replies: acknowledgedReplies.length,
    };
  } finally {
    await server?.kill('SIGKILL');
    await database.drop();
    await smtp.close();
  }
}
