/**
 * Threading and the `reply` email (SPEC §5, §9), read by mailparser from what a real SMTP server
 * received: each ticket is one conversation (Message-ID naming the ticket, In-Reply-To,
 * References), Reply-To is the support address, automatic emails say so and never go to a mailbox
 * nobody reads, and the reply carries its writer, its quoted history and its files.
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewTicketRow, TicketRow } from '../../src/db/schema.js';
import { HISTORY_HEADING } from '../../src/mail/templates/reply.js';
import { createSmtpMailer, type Mailer, type OutgoingEmail } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { emailsOfTicket, listOutbox, outboxRowOf, roundThreadsStatement, threadQuery, threadsBefore } from '../../src/repositories/outbox.js';
import { postCustomerMessage, postStaffMessage } from '../../src/services/conversation.js';
import { retryAllEmailsIn } from '../../src/services/outbox.js';
import { changePresence } from '../../src/services/presence.js';
import { recordDueBreaches } from '../../src/services/sla.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { createAgent, FAST_TIMEOUTS, MAIL_FROM, memoryLogger, PUBLIC_URL, type Testbed, testbed, ticketForm, deliveries } from './support/testbed.js';

const REPLY_TO = 'Acme Support <answers@helpdesk.example>';

/** References as a list, whatever mailparser made of it (a string when there is one). */
function referencesOf(parsed: ParsedMail): string[] {
  return parsed.references === undefined ? [] : [parsed.references].flat();
}

function headerOf(parsed: ParsedMail, name: string): unknown {
  return parsed.headers.get(name);
}

const reply = (body: string, extra: Partial<{ close: boolean; files: { filename: string; contentType: string; content: Buffer }[] }> = {}) => ({
  kind: 'reply' as const,
  body,
  close: false,
  seen: null,
  channel: 'web' as const,
  ...extra,
});
const note = (body: string) => ({ kind: 'note' as const, body, close: false, seen: null, channel: 'web' as const });

/** The real SMTP mailer, keeping what it was handed (a refused send reaches no server to read it from). */
function recordingMailer(smtpUrl: string): Mailer & { handed: OutgoingEmail[] } {
  const inner = createSmtpMailer(smtpUrl, FAST_TIMEOUTS);
  const handed: OutgoingEmail[] = [];
  return { kind: inner.kind, handed, send: (email, signal) => (handed.push(email), inner.send(email, signal)), close: () => inner.close() };
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: threading and the reply email`, () => {
    let bed: Testbed;
    let smtp: TestSmtpServer;
    let worker: OutboxWorker;
    let deliver: () => Promise<ReceivedEmail[]>;

    beforeEach(async () => {
      bed = await testbed(dialect);
      smtp = await startSmtpServer();
      worker = bed.worker(smtp.url, { replyTo: REPLY_TO });
      deliver = deliveries(worker, smtp);
    });
    afterEach(async () => {
      await bed.close();
      await smtp.close();
    });


    async function deliverOne(): Promise<ParsedMail> {
      const emails = await deliver();
      expect(emails).toHaveLength(1);
      return emails[0]!.parsed;
    }

    function expectNamesTicket(parsed: ParsedMail, ticket: TicketRow): void {
      expect(parsed.messageId).toMatch(new RegExp(`^<hd-${ticket.id}\\.outbox-\\d+\\.[0-9a-f]{16}@helpdesk\\.example>$`));
      for (const id of [parsed.inReplyTo ?? [], ...referencesOf(parsed)].flat()) expect(id).toMatch(new RegExp(`^<hd-${ticket.id}\\.outbox-\\d+\\.`));
    }

    it('created, assigned, reply and closed form one thread, each answering the one before; Reply-To is MAIL_REPLY_TO; all but the reply are automatic', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      const ticket = await intakeTicket(bed.ctx, ticketForm({ description: 'It smells of toner.\nAnd it beeps.' }));
      const created = await deliverOne();

      bed.clock.advance(1_000);
      await changePresence(bed.ctx, alice, 'available');
      const assigned = await deliverOne();

      bed.clock.advance(1_000);
      await postCustomerMessage(bed.ctx, ticket.token, { body: 'Now it smokes.\nPlease hurry.', channel: 'web' });
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, note('Internal: customer seems upset, secret-note-text'));
      expect(await deliver()).toHaveLength(0);

      bed.clock.advance(1_000);
      const pdf = randomBytes(300_000);
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(5_000)]);
      await postStaffMessage(
        bed.ctx,
        { id: alice, role: 'agent' },
        ticket.id,
        reply('Hello Carla,\nunplug it now.\n\n<b>Do not</b> touch the drum & wait.', {
          files: [
            { filename: 'Safety steps – Zoë.pdf', contentType: 'application/pdf', content: pdf },
            { filename: 'photo.png', contentType: 'image/png', content: png },
          ],
        }),
      );
      const replied = await deliverOne();

      bed.clock.advance(1_000);
      expect(await closeTicket(bed.ctx, { id: alice, role: 'agent' }, ticket.id)).toBe(true);
      const closed = await deliverOne();

      const thread = [created, assigned, replied, closed];
      for (const parsed of thread) {
        expectNamesTicket(parsed, ticket);
        expect(parsed.replyTo?.value).toEqual([{ address: 'answers@helpdesk.example', name: 'Acme Support' }]);
        expect(parsed.from?.value[0]?.address).toBe('support@helpdesk.example');
      }
      expect(new Set(thread.map((p) => p.messageId)).size).toBe(4);
      expect(created.inReplyTo).toBeUndefined();
      expect(referencesOf(created)).toEqual([]);
      expect(assigned.inReplyTo).toBe(created.messageId);
      expect(referencesOf(assigned)).toEqual([created.messageId]);
      expect(replied.inReplyTo).toBe(assigned.messageId);
      expect(referencesOf(replied)).toEqual([created.messageId, assigned.messageId]);
      expect(closed.inReplyTo).toBe(replied.messageId);
      expect(referencesOf(closed)).toEqual([created.messageId, replied.messageId]);

      for (const parsed of [created, assigned, closed]) {
        expect(headerOf(parsed, 'auto-submitted')).toBe('auto-generated');
        expect(headerOf(parsed, 'x-auto-response-suppress')).toBe('All');
      }
      expect(headerOf(replied, 'auto-submitted')).toBeUndefined();
      expect(headerOf(replied, 'x-auto-response-suppress')).toBeUndefined();

      // The reply: subject, body with its line breaks, its writer, the status link, the history.
      expect(replied.subject).toBe(`Re: [HD-${ticket.id}] Printer on fire`);
      const statusLink = `${PUBLIC_URL}/tickets/status/${ticket.token}/`;
      const text = replied.text ?? '';
      expect(text).toContain('Hello Carla,\nunplug it now.\n\n<b>Do not</b> touch the drum & wait.');
      expect(text).toContain('— Alice Archer');
      expect(text).toContain(statusLink);
      expect(text).toContain(`HD-${ticket.id}`);
      const history = text.slice(text.indexOf(HISTORY_HEADING));
      expect(text.indexOf(HISTORY_HEADING)).toBeGreaterThan(text.indexOf('— Alice Archer'));
      expect(history).toContain('Carla Customer wrote:\n> Now it smokes.\n> Please hurry.');
      expect(history).toContain('Carla Customer wrote:\n> It smells of toner.\n> And it beeps.');
      expect(history.indexOf('Now it smokes')).toBeLessThan(history.indexOf('It smells of toner'));
      const html = typeof replied.html === 'string' ? replied.html : '';
      expect(html).toContain('Hello Carla,<br>unplug it now.<br><br>&lt;b&gt;Do not&lt;/b&gt; touch the drum &amp; wait.');
      expect(html).not.toContain('<b>Do not');
      expect(html).toContain('— Alice Archer');
      expect(html).toContain(`href="${statusLink}"`);
      expect(html).toContain(HISTORY_HEADING);
      expect(html).toMatch(/<blockquote type="cite"[^>]*>Now it smokes\.<br>Please hurry\.<\/blockquote>/);

      // Its files arrive whole, with their names and types.
      expect(replied.attachments.map((a) => [a.filename, a.contentType])).toEqual([
        ['Safety steps – Zoë.pdf', 'application/pdf'],
        ['photo.png', 'image/png'],
      ]);
      expect(replied.attachments[0]!.content.equals(pdf)).toBe(true);
      expect(replied.attachments[1]!.content.equals(png)).toBe(true);
      for (const parsed of [created, assigned, closed]) expect(parsed.attachments).toEqual([]);

      // A note reaches no email, in no part.
      for (const email of smtp.received) {
        expect(email.parsed.text ?? '').not.toContain('secret-note-text');
        expect(typeof email.parsed.html === 'string' ? email.parsed.html : '').not.toContain('secret-note-text');
        expect(email.raw).not.toContain('secret-note-text');
      }
    });

    it('reply and close: one email, saying the ticket is closed, in the thread; a follow-up starts its own thread and names the closed ticket', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      const created = await deliverOne();
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, reply('Fixed: new fuser.', { close: true }));
      const replied = await deliverOne();
      expect(replied.subject).toBe(`Re: [HD-${ticket.id}] Printer on fire`);
      expect(replied.text).toContain('This request is now closed.');
      expect(replied.inReplyTo).toBe(created.messageId);
      expect(headerOf(replied, 'auto-submitted')).toBeUndefined();
      expect((await emailsOfTicket(bed.ctx.handle.db, ticket.id)).map((e) => e.kind)).toEqual(['created', 'reply']);

      const next = await postCustomerMessage(bed.ctx, ticket.token, { body: 'It is on fire again.', channel: 'web' });
      expect(next.kind).toBe('follow_up');
      const followUp = next.kind === 'follow_up' ? next.followUp : ticket;
      const followUpCreated = await deliverOne();
      expectNamesTicket(followUpCreated, followUp);
      expect(followUpCreated.inReplyTo).toBeUndefined();
      expect(followUpCreated.subject).toBe(`[HD-${followUp.id}] We received your request: Re: Printer on fire`);
      expect(followUpCreated.text).toContain(`It follows up on your earlier request HD-${ticket.id}, which was closed.`);
      expect(followUpCreated.html).toContain(`It follows up on your earlier request HD-${ticket.id}, which was closed.`);
    });

    it('a round of emails of several tickets reads their threads in one statement, each as if read alone', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      const [first, second, third] = [await intakeTicket(bed.ctx, ticketForm()), await intakeTicket(bed.ctx, ticketForm()), await intakeTicket(bed.ctx, ticketForm())];
      expect(await deliver()).toHaveLength(3);
      await changePresence(bed.ctx, alice, 'available');
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, first.id, reply('First answer.'));
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, third.id, reply('Third answer.'));
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, first.id, reply('First again.'));
      const pending = (await listOutbox(bed.ctx.handle.db)).filter((r) => r.status === 'pending');
      expect(pending.length).toBeGreaterThanOrEqual(6);
      const together = await threadsBefore(bed.ctx.handle, pending);
      for (const row of pending) expect(together.get(row.id)).toEqual((await threadsBefore(bed.ctx.handle, [row])).get(row.id));
      // Every one of them answers an email of its own ticket, sent in one round.
      const emails = await deliver();
      expect(emails).toHaveLength(pending.length);
      for (const email of emails) {
        const ticket = [first, second, third].find((t) => email.parsed.subject?.includes(`[HD-${t.id}]`))!;
        expect(email.parsed.inReplyTo).toMatch(new RegExp(`^<hd-${ticket.id}\\.outbox-`));
        expectNamesTicket(email.parsed, ticket);
      }
    });

    it('a retried row keeps its Message-ID and its place in the thread, even when a later email went first', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      const ticket = await intakeTicket(bed.ctx, ticketForm());
      const created = await deliverOne();

      // The mail server refuses the `assigned` email once.
      const down = await startSmtpServer({ reject: 'data' });
      const refused = recordingMailer(down.url);
      try {
        await changePresence(bed.ctx, alice, 'available');
        expect(await bed.worker(down.url, { mailer: refused, replyTo: REPLY_TO }).runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      } finally {
        refused.close();
        await down.close();
      }
      const firstTry = refused.handed[0]!;

      // The reply, written later, is sent before the retry.
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, reply('On my way.'));
      const replied = await deliverOne();
      bed.clock.advance(5 * 60_000);
      const assigned = await deliverOne();

      expect(assigned.subject).toContain('An agent is on it');
      expect(assigned.messageId).toBe(firstTry.messageId);
      expect(assigned.inReplyTo).toBe(created.messageId);
      expect(firstTry.inReplyTo).toBe(created.messageId);
      // By id, the reply came after `assigned`: it answers it, though it arrived first.
      expect(replied.inReplyTo).toBe(assigned.messageId);
      expect(referencesOf(replied)).toEqual([created.messageId, assigned.messageId]);
      const rows = await emailsOfTicket(bed.ctx.handle.db, ticket.id);
      expect(rows.map((r) => [r.kind, r.status, r.attempts])).toEqual([
        ['created', 'sent', 1],
        ['assigned', 'sent', 2],
        ['reply', 'sent', 1],
      ]);
    });

    it('the SLA email to staff links the staff ticket page, names the ticket, and stays out of the customer’s thread', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const ticket = await intakeTicket(bed.ctx, ticketForm({ priority: 'high' }));
      const created = await deliverOne();
      bed.clock.set(ticket.sla_due_at + 1);
      await recordDueBreaches(bed.ctx, bed.clock.now(), 10);
      const breach = (await deliver()).find((e) => e.rcptTo[0] === 'alice@staff.example');
      expect(breach).toBeDefined();
      const parsed = breach!.parsed;
      const staffPage = `${PUBLIC_URL}/agents/tickets/${ticket.id}/`;
      expect(parsed.text).toContain(`Open the ticket: ${staffPage}`);
      expect(parsed.html).toContain(`href="${staffPage}"`);
      expect(parsed.text).toContain(`${PUBLIC_URL}/tickets/status/${ticket.token}/`);
      expectNamesTicket(parsed, ticket);
      expect(headerOf(parsed, 'auto-submitted')).toBe('auto-generated');
      expect(parsed.inReplyTo).toBeUndefined();

      // The customer's next email answers the `created` one, not the staff email.
      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, ticket.id, reply('Sorry for the wait.'));
      const replied = await deliverOne();
      expect(replied.inReplyTo).toBe(created.messageId);
      expect(created.text).not.toContain('/agents/tickets/');
      expect(replied.text).not.toContain('/agents/tickets/');
    });

    it('never sends an automatic email to MAILER-DAEMON or no-reply: marked skipped (not failed) with the reason, not retried; a person’s reply still goes', async () => {
      const alice = await createAgent(bed.ctx, 'alice', 'Alice Archer');
      await changePresence(bed.ctx, alice, 'available');
      const daemon = await intakeTicket(bed.ctx, ticketForm({ email: 'MAILER-DAEMON@mail.example' }));
      const noReply = await intakeTicket(bed.ctx, ticketForm({ email: 'no-reply@shop.example' }));
      expect(await worker.runOnce()).toMatchObject({ claimed: 2, sent: 0, failed: 0, skipped: 2, retrying: 0 });
      expect(smtp.recipientsOffered).toEqual([]);

      expect(await listOutbox(bed.ctx.handle.db, { status: 'failed' })).toEqual([]);
      const skipped = await listOutbox(bed.ctx.handle.db, { status: 'skipped' });
      expect(skipped.map((r) => [r.ticket_id, r.attempts, r.last_error]).sort()).toEqual(
        [
          [daemon.id, 1, 'not sent: MAILER-DAEMON@mail.example is a mailbox nobody reads (mailer-daemon, postmaster, no-reply and the like); automatic emails never go there'],
          [noReply.id, 1, 'not sent: no-reply@shop.example is a mailbox nobody reads (mailer-daemon, postmaster, no-reply and the like); automatic emails never go there'],
        ].sort(),
      );
      bed.clock.advance(24 * 3_600_000);
      expect((await worker.runOnce()).claimed).toBe(0);

      await postStaffMessage(bed.ctx, { id: alice, role: 'agent' }, noReply.id, reply('Is this address right?'));
      const emails = await deliver();
      expect(emails.map((e) => e.rcptTo)).toEqual([['no-reply@shop.example']]);
    });
  });

  describe(`${dialect}: what threading costs and where a refused email shows`, () => {
    it('finds an email’s place in its thread through the indexes outbox_by_ticket and messages_by_ticket, not by reading the tables', async () => {
      const bed = await testbed(dialect);
      try {
        const db = bed.ctx.handle.db;
        const now = bed.clock.now();
        const tickets: NewTicketRow[] = Array.from({ length: 500 }, (_, i) => ({
          token: `tok-${i}`,
          customer_name: 'C',
          customer_email: `c${i}@customer.example`,
          title: 'T',
          description: 'D',
          priority: 'low',
          status: 'open',
          agent_id: null,
          created_at: now + i,
          assigned_at: null,
          closed_at: null,
          sla_due_at: now + 3_600_000,
          sla_breached_at: null,
        }));
        for (let i = 0; i < tickets.length; i += 100) await db.insertInto('tickets').values(tickets.slice(i, i + 100)).execute();
        const ids = (await db.selectFrom('tickets').select('id').execute()).map((r) => r.id);
        const content = { subject: 's', text: 't', html: 'h' };
        const emails = ids.flatMap((ticketId) =>
          (['created', 'assigned', 'sla_breached', 'reply', 'reply', 'closed'] as const).map((kind) => outboxRowOf({ ticketId, kind, to: 'c@customer.example', content, now })),
        );
        for (let i = 0; i < emails.length; i += 300) await db.insertInto('outbox').values(emails.slice(i, i + 300)).execute();
        // Each thread: the opening mail (or a form's description), a note, the customer's answer by mail, a reply.
        const message = (ticketId: number, kind: 'customer' | 'reply' | 'note', mailKey: string | null) => ({
          ticket_id: ticketId,
          kind,
          author_id: null,
          author_name: 'C',
          body: 'B',
          channel: mailKey === null ? ('web' as const) : ('email' as const),
          created_at: now,
          mail_key: mailKey,
        });
        const messages = ids.flatMap((ticketId, i) => [
          message(ticketId, 'customer', i % 2 === 0 ? `<open-${i}@customer.example>` : null),
          message(ticketId, 'note', null),
          message(ticketId, 'customer', `<answer-${i}@customer.example>`),
          message(ticketId, 'reply', null),
        ]);
        for (let i = 0; i < messages.length; i += 300) await db.insertInto('messages').values(messages.slice(i, i + 300)).execute();
        await sql`analyze`.execute(db);

        const explain = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
        const planOf = async (query: CompiledQuery) =>
          JSON.stringify(
            (
              await db.transaction().execute(async (trx) => {
                // Small as the table is, PostgreSQL might read it whole; forbid that to see which index it picks.
                if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
                return trx.executeQuery(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
              })
            ).rows,
          );
        // Every value is a parameter: two emails' statements are one text (on SQLite a round's
        // statement is prepared once and kept, not again at every round).
        const [one, other] = [threadQuery(db, ids[250]!, 1_000_000, now).compile(), threadQuery(db, ids[10]!, 1_000_001, now + 1).compile()];
        expect(other.sql).toBe(one.sql);
        expect(other.parameters).not.toEqual(one.parameters);
        const text = await planOf(one);
        expect(text.match(/outbox_by_ticket/g)).toHaveLength(2);
        // The customer's latest mail may come from the thread's public part (notes left out), the same (ticket_id, id) order.
        expect(text.match(/messages_(public_)?by_ticket/g)).toHaveLength(2);
        expect(text).not.toMatch(/SCAN (outbox|messages)\b|INTEGER PRIMARY KEY|Seq Scan|outbox_pkey|messages_pkey|messages_mail_key/);
        if (dialect === 'postgres') {
          // A round reads the same walks, once for each of its emails.
          const round = [ids[10]!, ids[250]!, ids[400]!].map((ticketId, i) => ({ id: 1_000_000 + i, ticket_id: ticketId, created_at: now }));
          const roundPlan = await planOf(roundThreadsStatement(db, round).compile(db));
          expect(roundPlan.match(/outbox_by_ticket/g)).toHaveLength(2);
          expect(roundPlan.match(/messages_(public_)?by_ticket/g)).toHaveLength(2);
          expect(roundPlan).toContain('Function Scan on e ');
          expect(roundPlan.match(/Index Cond: \(\(?ticket_id = e\.ticket_id/g)).toHaveLength(4);
          expect(roundPlan).not.toMatch(/Seq Scan on (outbox|messages)|outbox_pkey|messages_pkey|messages_mail_key/);
        }
      } finally {
        await bed.close();
      }
    });

    it('an email not sent to a no-reply address is listed as not sent on purpose at /admin/emails/, with the reason; not undelivered, never retried', async () => {
      const t: TestApp = await startTestApp(dialect);
      const smtp = await startSmtpServer();
      const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      try {
        await addStaff(t.ctx, 'boss', { role: 'admin' });
        const ticket = await intakeTicket(t.ctx, ticketForm({ email: 'NoReply@shop.example' }));
        const worker = new OutboxWorker({ handle: t.ctx.handle, mailer, clock: t.ctx.clock, from: MAIL_FROM, logger: memoryLogger() });
        expect(await worker.runOnce()).toMatchObject({ failed: 0, skipped: 1 });
        expect(smtp.received).toHaveLength(0);
        const [row] = await emailsOfTicket(t.ctx.handle.db, ticket.id);
        expect(row!.status).toBe('skipped');

        const admin = new Client(t.app);
        expect((await admin.login('boss')).statusCode).toBe(303);
        expect(await admin.get('/admin/emails/?status=failed').then((r) => r.body)).not.toContain(`/admin/emails/${row!.id}/`);
        const list = await admin.get('/admin/emails/?status=skipped');
        expect(list.statusCode).toBe(200);
        expect(list.body).toContain(`/admin/emails/${row!.id}/`);
        expect(list.body).toMatch(/<option value="skipped" selected[^>]*>Not sent on purpose/);
        const detail = await admin.get(`/admin/emails/${row!.id}/`);
        expect(detail.body).toContain('<span class="badge state-pending">skipped</span>');
        expect(detail.body).toContain('Why it was not sent');
        expect(detail.body).toContain('not sent: NoReply@shop.example is a mailbox nobody reads');
        expect(detail.body).not.toContain(`action="/admin/emails/${row!.id}/retry/"`);
        // Nothing for an admin to act on: the index and the dashboard count no undelivered email.
        expect((await admin.get('/admin/')).body).not.toMatch(/data-section="emails">\d+ failed/);
        const feed = (await admin.get('/adminapp/dashboard/data.json')).json();
        expect(feed.mail.outbox).toMatchObject({ failed: 0, bounced: 0 });
        // `npm run outbox -- retry --all-failed` leaves it alone.
        expect(await retryAllEmailsIn(t.ctx, 'failed')).toBe(0);
        expect((await emailsOfTicket(t.ctx.handle.db, ticket.id))[0]!.status).toBe('skipped');
      } finally {
        mailer.close();
        await smtp.close();
        await t.close();
      }
    });
  });
}
