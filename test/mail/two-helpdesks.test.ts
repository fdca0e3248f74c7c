/**
 * Mail loops (§5, §10 rules 1 and 3): two complete help desks, A and B, each with its own database,
 * MAIL_FROM domain, outbox worker and real SMTP server, wired to each other: whatever reaches A's
 * SMTP server is posted raw to B's POST /api/v1/inbound/email, and the other way round. (For the
 * test every email a desk sends goes across, staff emails included: the worst case.)
 *
 * - Each desk's `created` email to the other carries Auto-Submitted, so the other ignores it (rule 3)
 *   and sends nothing back.
 * - B behind a naive auto-responder (answers everything, without Auto-Submitted or Precedence, from
 *   the ticket's customer address, quoting the Message-ID in In-Reply-To): A takes each answer as
 *   its customer's message (rule 5, appended), and a customer message causes no email, so each of
 *   A's emails costs exactly one answer and the exchange stops at once.
 * - Decision (the SPEC is explicit, rule 5): an answer to A's `closed` email is a customer message
 *   to a closed ticket, so it opens one follow-up, as a customer's "thanks" would; that follow-up's
 *   `created` email is answered once more, and the answer is appended to the open follow-up. One
 *   follow-up, never a second: bounded, not a loop.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { historyViolations } from '../support/invariants.js';
import { drain } from './support/drain.js';
import { postMail, rawMail } from './support/raw-mail.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { FAST_TIMEOUTS, memoryLogger } from './support/testbed.js';

/** One help desk with everything around it. */
interface Desk {
  name: 'A' | 'B';
  /** Its support address (MAIL_FROM's), where the other desk's mail to it is from. */
  address: string;
  t: TestApp;
  clock: FakeClock;
  /** Where its worker delivers. */
  smtp: TestSmtpServer;
  worker: OutboxWorker;
  mailers: Mailer[];
  /** Its inbound-only token, for the relay. */
  token: string;
  /** How many of smtp.received were relayed. */
  relayed: number;
  /** Ids of its staff. */
  staff: { root: number; alice: number };
}

async function startDesk(name: 'A' | 'B', dialect: Dialect): Promise<Desk> {
  const domain = `${name.toLowerCase()}.example`;
  const address = `support@${domain}`;
  const mailFrom = `Helpdesk ${name} <${address}>`;
  const clock = new FakeClock();
  const t = await startTestApp(dialect, { clock, config: { mailFrom } });
  const smtp = await startSmtpServer();
  const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
  const worker = new OutboxWorker({ handle: t.ctx.handle, mailer, clock, from: mailFrom, logger: memoryLogger() });
  const staff = { root: await addStaff(t.ctx, 'root', { role: 'admin' }), alice: await addStaff(t.ctx, 'alice') };
  const { token } = await createApiToken(t.ctx, staff.root, 'relay', 'inbound');
  return { name, address, t, clock, smtp, worker, mailers: [mailer], token, relayed: 0, staff };
}

async function stopDesk(desk: Desk): Promise<void> {
  await desk.worker.stop();
  for (const mailer of desk.mailers) mailer.close();
  await desk.smtp.close();
  await desk.t.close();
}

/** One mail that went from one desk's SMTP server to the other desk's inbound route. */
interface Moved {
  from: 'A' | 'B';
  subject: string;
  result: string;
  ticket: string | null;
}

/**
 * B's mail system answering every mail it receives, as the worst vacation responders do: no
 * Auto-Submitted, no Precedence, from the address A knows as its customer, In-Reply-To the mail.
 * It sends through B's SMTP server, so the relay carries its answers to A.
 */
function naiveAutoResponder(b: Desk) {
  const mailer = createSmtpMailer(b.smtp.url, FAST_TIMEOUTS);
  b.mailers.push(mailer);
  let n = 0;
  return async (mail: ReceivedEmail, to: string) => {
    n += 1;
    await mailer.send({
      from: `Helpdesk B <${b.address}>`,
      to,
      replyTo: b.address,
      subject: `Re: ${mail.parsed.subject ?? ''}`,
      text: 'Thank you for your message. We will answer as soon as we can.',
      html: '<p>Thank you for your message. We will answer as soon as we can.</p>',
      messageId: `<auto-${n}-${Date.now()}@b.example>`,
      date: new Date(),
      inReplyTo: mail.messageId!,
      references: [mail.messageId!],
      automatic: false,
      attachments: [],
    });
  };
}

/**
 * Runs both workers and relays what they sent, round after round, until a round moves nothing.
 * More than `maxRounds` rounds is a loop.
 */
async function exchange(a: Desk, b: Desk, autoResponder?: (mail: ReceivedEmail, to: string) => Promise<void>, maxRounds = 6): Promise<Moved[]> {
  const moved: Moved[] = [];
  for (let round = 0; round < maxRounds; round++) {
    await drain(a.worker);
    await drain(b.worker);
    const batches = [a, b].map((desk) => {
      const fresh = desk.smtp.received.slice(desk.relayed);
      desk.relayed = desk.smtp.received.length;
      return { desk, fresh };
    });
    if (batches.every((batch) => batch.fresh.length === 0)) return moved;
    for (const { desk, fresh } of batches) {
      const other = desk === a ? b : a;
      for (const mail of fresh) {
        const answer = await postMail(other.t.app, other.token, mail.raw);
        expect(answer.statusCode, `${desk.name} → ${other.name}: ${mail.parsed.subject}`).toBe(200);
        moved.push({ from: desk.name, subject: mail.parsed.subject ?? '', result: answer.json().result, ticket: answer.json().ticket });
        if (autoResponder && other === b) await autoResponder(mail, a.address);
      }
    }
  }
  throw new Error(`still mailing each other after ${maxRounds} rounds: a loop`);
}

async function tally(desk: Desk) {
  const db = desk.t.ctx.handle.db;
  const n = async (table: 'tickets' | 'messages' | 'outbox' | 'inbound_mails') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { tickets: await n('tickets'), messages: await n('messages'), outbox: await n('outbox'), inbound: await n('inbound_mails') };
}

const kinds = async (desk: Desk) => (await desk.t.ctx.handle.db.selectFrom('outbox').select('kind').orderBy('id').execute()).map((r) => r.kind);

for (const [dialectA, dialectB] of [['sqlite', 'postgres'], ['postgres', 'sqlite']] as const) {
  describe(`two help desks mailing each other (A on ${dialectA}, B on ${dialectB})`, () => {
    let a: Desk;
    let b: Desk;
    beforeEach(async () => {
      [a, b] = await Promise.all([startDesk('A', dialectA), startDesk('B', dialectB)]);
    });
    afterEach(async () => {
      await Promise.all([stopDesk(a), stopDesk(b)]);
    });

    it("each desk ignores the other's automatic created email and sends nothing back", async () => {
      // Each desk's address wrote to the other (a person at each, say): a ticket at each.
      const atA = (await postMail(a.t.app, a.token, rawMail({ from: `Helpdesk B <${b.address}>`, to: a.address, subject: 'Where is order 42?' }))).json();
      const atB = (await postMail(b.t.app, b.token, rawMail({ from: `Helpdesk A <${a.address}>`, to: b.address, subject: 'Invoice question' }))).json();
      expect([atA.result, atB.result]).toEqual(['created', 'created']);

      const moved = await exchange(a, b);
      // Both tickets are HD-1 and each email's subject holds `[HD-1]` from the sender, who is the
      // customer of the receiving desk's own HD-1: so rule 5 finds that ticket, and rule 3 shows
      // the automatic email there, marked automatic, without a turn or an email (§10).
      expect(moved.map((m) => [m.from, m.result, m.ticket])).toEqual([
        ['A', 'ignored', 'HD-1'],
        ['B', 'ignored', 'HD-1'],
      ]);
      expect(moved[0]!.subject).toContain('Where is order 42?');
      for (const desk of [a, b]) {
        expect(await tally(desk)).toEqual({ tickets: 1, messages: 2, outbox: 1, inbound: 2 });
        const db = desk.t.ctx.handle.db;
        expect((await db.selectFrom('messages').select(['kind', 'automatic']).orderBy('id').execute()).map((m) => [m.kind, m.automatic])).toEqual([
          ['customer', 0],
          ['customer', 1],
        ]);
        expect((await db.selectFrom('tickets').select('waiting_on').executeTakeFirstOrThrow()).waiting_on).toBe('agent');
        const reasons = await db.selectFrom('inbound_mails').select('reason').where('result', '=', 'ignored').execute();
        expect(reasons).toEqual([{ reason: expect.stringContaining('Auto-Submitted: auto-generated') }]);
      }
    });

    it('B behind a naive auto-responder: each of A\'s emails (created, assigned, SLA) gets one answer, appended (but the SLA email, which went to staff); then silence', async () => {
      const first = (await postMail(a.t.app, a.token, rawMail({ from: b.address, to: a.address, subject: 'Order 42 is late' }))).json();
      expect(first.result).toBe('created');
      const respond = naiveAutoResponder(b);

      // Nobody is online at A: the ticket waits; its created email is answered once.
      let moved = await exchange(a, b, respond);
      expect(moved.map((m) => [m.from, m.result, m.ticket])).toEqual([
        ['A', 'ignored', null],
        ['B', 'appended', first.ticket],
      ]);

      // Alice comes in and takes it (R2): the assigned email, answered once.
      await changePresence(a.t.ctx, a.staff.alice, 'available');
      moved = await exchange(a, b, respond);
      expect(moved.map((m) => [m.from, m.result, m.ticket])).toEqual([
        ['A', 'ignored', null],
        ['B', 'appended', first.ticket],
      ]);

      // Past the deadline (medium: 4 minutes): the SLA email to Alice, across and answered once too.
      // An answer to an email A sent to staff is never a customer's message (QA #3): ignored.
      a.clock.advance(5 * 60_000);
      expect(await new SlaMonitor(a.t.ctx).runOnce()).toHaveLength(1);
      moved = await exchange(a, b, respond);
      expect(moved.map((m) => [m.from, m.result, m.ticket])).toEqual([
        ['A', 'ignored', null],
        ['B', 'ignored', null],
      ]);

      // Three emails each way in all; no ticket but the first; B wrote and sent nothing of its own.
      expect(a.smtp.received).toHaveLength(3);
      expect(b.smtp.received).toHaveLength(3);
      expect(await kinds(a)).toEqual(['created', 'assigned', 'sla_breached']);
      expect(await tally(a)).toEqual({ tickets: 1, messages: 3, outbox: 3, inbound: 4 });
      expect(await tally(b)).toEqual({ tickets: 0, messages: 0, outbox: 0, inbound: 3 });
      const thread = await a.t.ctx.handle.db.selectFrom('messages').select(['kind', 'channel', 'automatic']).orderBy('id').execute();
      expect(thread).toEqual(Array(3).fill({ kind: 'customer', channel: 'email', automatic: 0 }));
      expect(await historyViolations(a.t.ctx.handle.db)).toEqual([]);
    });

    it('closing the ticket: the answer to the closed email opens one follow-up, whose created email is answered once; then silence', async () => {
      await changePresence(a.t.ctx, a.staff.alice, 'available');
      const first = (await postMail(a.t.app, a.token, rawMail({ from: b.address, to: a.address, subject: 'Order 43 is late' }))).json();
      const respond = naiveAutoResponder(b);
      expect((await exchange(a, b, respond)).map((m) => m.result)).toEqual(['ignored', 'appended']);

      await closeTicket(a.t.ctx, { id: a.staff.alice, role: 'agent' }, Number(first.ticket.slice(3)));
      const moved = await exchange(a, b, respond);
      const followUp = moved[1]!.ticket;
      expect(moved.map((m) => [m.from, m.result, m.ticket])).toEqual([
        ['A', 'ignored', null],
        ['B', 'follow_up', followUp],
        ['A', 'ignored', null],
        ['B', 'appended', followUp],
      ]);
      expect(followUp).not.toBe(first.ticket);
      expect(await kinds(a)).toEqual(['created', 'closed', 'created']);
      expect(await tally(a)).toEqual({ tickets: 2, messages: 4, outbox: 3, inbound: 4 });
      expect(await tally(b)).toEqual({ tickets: 0, messages: 0, outbox: 0, inbound: 3 });
      const tickets = await a.t.ctx.handle.db.selectFrom('tickets').select(['status', 'follow_up_of', 'agent_id']).orderBy('id').execute();
      expect(tickets).toEqual([
        { status: 'closed', follow_up_of: null, agent_id: a.staff.alice },
        { status: 'open', follow_up_of: Number(first.ticket.slice(3)), agent_id: a.staff.alice },
      ]);
      expect(await historyViolations(a.t.ctx.handle.db)).toEqual([]);
    });
  });
}
