/**
 * People a customer copies on their mail (§10 Cc), through POST /api/v1/inbound/email and a real
 * SMTP server on both engines: who of To/Cc stay on the ticket, that our replies and the closed
 * email (and nothing else) copy them in one email, that a copied person's answer lands on the
 * ticket as theirs, that a stranger's does not, and that a retried email sends the Cc its row was
 * written with.
 */
import type { ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { createSmtpMailer, type Mailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { recordDueBreaches } from '../../src/services/sla.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { answerTo, customerMail } from './support/customer-mail.js';
import { postMail } from './support/raw-mail.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { FAST_TIMEOUTS, memoryLogger } from './support/testbed.js';

const MAIL_FROM = 'Helpdesk <support@helpdesk.example>';
const CARLA = 'carla@customer.example';
const DAN = 'dan@customer.example';
const EVE = 'eve@customer.example';

/** Addresses of a parsed To or Cc header. */
function addresses(field: ParsedMail['to']): string[] {
  return [field ?? []].flat().flatMap((f) => f.value.map((a) => a.address ?? ''));
}

const reply = (body: string, close = false) => ({ kind: 'reply' as const, body, close, seen: null, channel: 'web' as const });

async function copiedRows(t: TestApp, ticketId: number) {
  return t.ctx.handle.db.selectFrom('ticket_ccs').select(['address', 'name']).where('ticket_id', '=', ticketId).orderBy('added_at').orderBy('address').execute();
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: people copied on a customer's mail stay on the conversation`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let smtp: TestSmtpServer;
    let mailers: Mailer[];
    let inboundToken: string;
    let apiToken: string;
    let alice: number;

    async function start(d: Dialect) {
      clock = new FakeClock();
      t = await startTestApp(d, { clock, config: { mailFrom: MAIL_FROM } });
      smtp = await startSmtpServer();
      mailers = [];
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      alice = await addStaff(t.ctx, 'alice', { displayName: 'Alice Archer' });
      await changePresence(t.ctx, alice, 'available');
      inboundToken = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
      apiToken = (await createApiToken(t.ctx, root, 'reader')).token;
      // A topic's inbound address is ours too.
      const topic = await t.ctx.handle.db.selectFrom('topics').select('id').executeTakeFirstOrThrow();
      await t.ctx.handle.db.insertInto('topic_addresses').values({ address: 'billing@helpdesk.example', topic_id: topic.id }).execute();
    }

    beforeEach(async () => start(dialect));
    afterEach(async () => {
      for (const mailer of mailers) mailer.close();
      await smtp.close();
      await t.close();
    });

    /** One worker round through `server` (default the test's SMTP server): what it received. */
    async function send(server: TestSmtpServer = smtp): Promise<ReceivedEmail[]> {
      const mailer = createSmtpMailer(server.url, FAST_TIMEOUTS);
      mailers.push(mailer);
      const seen = server.received.length;
      await new OutboxWorker({ handle: t.ctx.handle, mailer, clock, from: MAIL_FROM, logger: memoryLogger() }).runOnce();
      return server.received.slice(seen);
    }

    const deliver = async (raw: Buffer) => {
      const response = await postMail(t.app, inboundToken, raw);
      expect(response.statusCode).toBe(200);
      return response.json() as { result: string; ticket: string | null; reason: string | null };
    };

    /** The opening mail: To us (and our topic address), Cc two colleagues, the customer, staff, our reply-to, a repeat. */
    const opening = () =>
      customerMail({
        to: 'Helpdesk <support@helpdesk.example>, billing@helpdesk.example',
        messageId: '<open.1@mail.customer.example>',
        headers: [`Cc: "Dan Colleague" <${DAN}>, Eve <EVE@customer.example>, Carla <Carla@Customer.example>, Alice <ALICE@team.test>, ${DAN.toUpperCase()}`],
      });

    it('keeps the colleagues on the ticket, copies them on a reply (one email) and on the closing, never on notes or the receipt; a colleague answers on the ticket, a stranger opens their own', async () => {
      const opened = await deliver(opening());
      expect(opened.result).toBe('created');
      const ticketId = Number(opened.ticket!.replace('HD-', ''));
      expect(await copiedRows(t, ticketId)).toEqual([
        { address: DAN, name: 'Dan Colleague' },
        { address: EVE, name: 'Eve' },
      ]);

      // Shown: the API, the staff page, the status page.
      const api = await t.app.inject({ method: 'GET', url: `/api/v1/tickets/${opened.ticket}`, headers: { authorization: `Bearer ${apiToken}` } });
      expect(api.statusCode).toBe(200);
      expect(api.json().cc).toEqual([DAN, EVE]);
      const staff = new Client(t.app);
      await staff.login('alice');
      const page = await staff.get(`/agents/tickets/${ticketId}/`);
      expect(page.body).toContain(`<span class="copied-person" data-address="${DAN}"><bdi>Dan Colleague</bdi> `);
      const ticket = await t.ctx.handle.db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow();
      const status = await t.app.inject({ method: 'GET', url: `/tickets/status/${ticket.token}/` });
      expect(status.body).toMatch(/<dt>Copied<\/dt>\s*<dd id="copied-people">/);
      expect(status.body).toContain(EVE);

      // The receipt (`created`) goes to the customer only.
      let emails = await send();
      expect(emails.map((e) => e.rcptTo)).toEqual([[CARLA]]);
      expect(emails[0]!.parsed.cc).toBeUndefined();
      const created = emails[0]!.parsed;

      // A note: no email. A public reply: one email, To the customer, Cc the colleagues.
      clock.advance(60_000);
      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticketId, { kind: 'note', body: 'Internal: check the fuser.', close: false, seen: null, channel: 'web' });
      expect(await send()).toEqual([]);
      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticketId, reply('Please switch it off.'));
      emails = await send();
      expect(emails).toHaveLength(1);
      expect(emails[0]!.rcptTo).toEqual([CARLA, DAN, EVE]);
      expect(addresses(emails[0]!.parsed.to)).toEqual([CARLA]);
      expect(addresses(emails[0]!.parsed.cc)).toEqual([DAN, EVE]);
      const replyEmail = emails[0]!.parsed;

      // Dan answers the reply (reply-all, copying a new person): a message on the ticket, shown as Dan's; Frank is not added.
      clock.advance(60_000);
      const danAnswer = await deliver(answerTo(replyEmail, { from: `Dan Colleague <${DAN}>`, messageId: '<dan.1@mail.customer.example>', text: 'Switched off.', headers: ['Cc: frank@customer.example'] }));
      expect(danAnswer).toEqual({ result: 'appended', ticket: opened.ticket, reason: null });
      const danMessage = await t.ctx.handle.db.selectFrom('messages').selectAll().where('mail_key', '=', '<dan.1@mail.customer.example>').executeTakeFirstOrThrow();
      expect(danMessage).toMatchObject({ ticket_id: ticketId, kind: 'customer', author_id: null, author_name: `Dan Colleague (${DAN})`, body: 'Switched off.' });
      expect((await copiedRows(t, ticketId)).map((c) => c.address)).toEqual([DAN, EVE]);
      expect(await send()).toEqual([]);

      // A stranger answering the same email: today's rule, a ticket of their own.
      const stranger = await deliver(answerTo(replyEmail, { from: 'mallory@elsewhere.example', messageId: '<m.1@elsewhere.example>', text: 'Me too.' }));
      expect(stranger.result).toBe('created');
      expect(stranger.ticket).not.toBe(opened.ticket);

      // The customer's later mail adds its new Cc (Frank), and removes nobody.
      clock.advance(60_000);
      const carlaAnswer = await deliver(answerTo(created, { messageId: '<carla.2@mail.customer.example>', text: 'Adding Frank.', headers: ['Cc: Frank <frank@customer.example>'] }));
      expect(carlaAnswer.result).toBe('appended');
      expect((await copiedRows(t, ticketId)).map((c) => c.address)).toEqual([DAN, EVE, 'frank@customer.example']);

      // Closing: the closed email copies them all.
      clock.advance(60_000);
      await send();
      await closeTicket(t.ctx, { id: alice, role: 'agent' }, ticketId);
      emails = await send();
      expect(emails.map((e) => e.parsed.subject)).toEqual([expect.stringContaining('closed')]);
      expect(emails[0]!.rcptTo).toEqual([CARLA, DAN, EVE, 'frank@customer.example']);
      expect(addresses(emails[0]!.parsed.cc)).toEqual([DAN, EVE, 'frank@customer.example']);

      // Dan answering the closed ticket: a ticket of his own (a follow-up is the customer's).
      const late = await deliver(answerTo(emails[0]!.parsed, { from: DAN, messageId: '<dan.2@mail.customer.example>', text: 'Thanks!' }));
      expect(late.result).toBe('created');
      const lateTicket = await t.ctx.handle.db.selectFrom('tickets').select(['customer_email', 'follow_up_of']).where('id', '=', Number(late.ticket!.replace('HD-', ''))).executeTakeFirstOrThrow();
      expect(lateTicket).toEqual({ customer_email: DAN, follow_up_of: null });
    });

    it('an SLA email to staff never copies anyone, and an outbox row keeps its Cc: the retry after a refused send copies whom the row was written with', async () => {
      const opened = await deliver(opening());
      const ticketId = Number(opened.ticket!.replace('HD-', ''));
      await send();
      const refusing = await startSmtpServer({ reject: 'data' });
      try {
        await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticketId, reply('Switch it off.'));
        expect(await send(refusing)).toEqual([]);
        const [row] = (await emailsOfTicket(t.ctx.handle.db, ticketId)).filter((e) => e.kind === 'reply');
        expect(row).toMatchObject({ status: 'pending', attempts: 1, cc_addresses: `${DAN},${EVE}` });
        expect(refusing.recipientsOffered).toEqual([CARLA, DAN, EVE]);
      } finally {
        await refusing.close();
      }
      // Meanwhile the customer copies Frank: the retried email is the row's, Frank is not on it.
      await deliver(customerMail({ subject: `Re: [HD-${ticketId}] Printer on fire`, messageId: '<carla.3@mail.customer.example>', headers: ['Cc: frank@customer.example'] }));
      clock.advance(24 * 60 * 60_000);
      const emails = (await send()).filter((e) => e.parsed.subject?.startsWith(`Re: [HD-${ticketId}]`));
      expect(emails).toHaveLength(1);
      expect(emails[0]!.rcptTo).toEqual([CARLA, DAN, EVE]);
      expect(addresses(emails[0]!.parsed.cc)).toEqual([DAN, EVE]);

      // A day on, the resolution target is breached: the alert goes to the agent alone.
      await recordDueBreaches(t.ctx, clock.now(), 100);
      const alerts = (await send()).filter((e) => e.parsed.subject?.includes('SLA breached'));
      expect(alerts.length).toBeGreaterThan(0);
      for (const alert of alerts) {
        expect(alert.rcptTo).toEqual(['alice@team.test']);
        expect(alert.parsed.cc).toBeUndefined();
      }
    });

    it('the ticket’s agent or an admin takes a copied person off (audited), later emails leave them out and their mail is theirs again; bad input is a 400 naming the field; another agent cannot', async () => {
      const opened = await deliver(opening());
      const ticketId = Number(opened.ticket!.replace('HD-', ''));
      await send();
      await addStaff(t.ctx, 'bob');
      const staff = new Client(t.app);
      await staff.login('alice');
      const page = await staff.get(`/agents/tickets/${ticketId}/`);
      expect(page.body).toContain(`<span class="visually-hidden"> ${DAN}</span>`);
      const url = `/agents/tickets/${ticketId}/copied/remove/`;

      for (const [fields, problem] of [[{}, 'Choose the copied person to remove.'], [{ address: 'not an address' }, 'Not an email address.']] as const) {
        const refused = await staff.submit(`/agents/tickets/${ticketId}/`, fields, url);
        expect(refused.statusCode).toBe(400);
        expect(refused.body).toContain(problem);
      }
      expect((await copiedRows(t, ticketId)).map((c) => c.address)).toEqual([DAN, EVE]);

      const other = new Client(t.app);
      await other.login('bob');
      expect((await other.submit('/agents/dashboard/', { address: DAN }, url)).statusCode).toBe(404);

      const removed = await staff.submit(`/agents/tickets/${ticketId}/`, { address: DAN.toUpperCase() }, url);
      expect(removed.statusCode).toBe(303);
      expect((await copiedRows(t, ticketId)).map((c) => c.address)).toEqual([EVE]);
      const entry = await t.ctx.handle.db.selectFrom('audit_log').selectAll().where('action', '=', 'ticket.cc_remove').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ actor_id: alice, subject: `ticket:HD-${ticketId}` });
      expect(entry.before_json).toContain(DAN);
      // Again: nothing to remove, nothing changes, no second audit entry.
      expect((await staff.submit(`/agents/tickets/${ticketId}/`, { address: DAN }, url)).statusCode).toBe(303);
      expect(await t.ctx.handle.db.selectFrom('audit_log').select('id').where('action', '=', 'ticket.cc_remove').execute()).toHaveLength(1);

      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticketId, reply('Eve only now.'));
      const [email] = await send();
      expect(email!.rcptTo).toEqual([CARLA, EVE]);
      expect(addresses(email!.parsed.cc)).toEqual([EVE]);
      // Dan is a stranger to the ticket now: his answer opens a ticket of his own.
      const dan = await deliver(answerTo(email!.parsed, { from: DAN, messageId: '<dan.9@mail.customer.example>', text: 'Still here?' }));
      expect(dan.result).toBe('created');
    });

    it('a copied person\'s answer reaching a ticket closed meanwhile opens no follow-up in the customer\'s name; the mail then opens a ticket of their own', async () => {
      const opened = await deliver(customerMail({ messageId: '<open.race@mail.customer.example>', headers: [`Cc: "Dan Colleague" <${DAN}>`] }));
      const ticketId = Number(opened.ticket!.slice(3));
      const tickets = async () => (await t.ctx.handle.db.selectFrom('tickets').select(['id', 'customer_email', 'follow_up_of']).orderBy('id').execute()).length;
      const before = await tickets();
      await changePresence(t.ctx, alice, 'available');
      await closeTicket(t.ctx, { id: alice, role: 'agent' }, ticketId);
      // What the email channel writes when it found the ticket open and an agent closed it before the write.
      const posted = await postCustomerMessageOn(t.ctx, ticketId, { body: 'Switched off.', channel: 'email', copiedWriter: { address: DAN, name: 'Dan Colleague' } });
      expect(posted.kind).toBe('not_shown');
      expect(await tickets()).toBe(before);
      // The rules read again on the closed ticket: Dan's mail is a ticket of his own (§10 Cc).
      const answer = await deliver(customerMail({ from: `Dan Colleague <${DAN}>`, subject: `Re: [${opened.ticket}] Printer on fire`, messageId: '<dan.race@mail.customer.example>', text: 'Switched off.' }));
      expect(answer.result).toBe('created');
      const own = await t.ctx.handle.db.selectFrom('tickets').select(['customer_email', 'follow_up_of']).where('id', '=', Number(answer.ticket!.slice(3))).executeTakeFirstOrThrow();
      expect(own).toEqual({ customer_email: DAN, follow_up_of: null });
    });

    it('a staff member whose address has letters outside ASCII is never copied, in any letter case of it, on either engine', async () => {
      const asa = await addStaff(t.ctx, 'asa');
      await t.ctx.handle.db.updateTable('users').set({ email: 'ÅSA.ÖBERG@Team.test' }).where('id', '=', asa).execute();
      const opened = await deliver(customerMail({ messageId: '<open.asa@mail.customer.example>', headers: [`Cc: Åsa <åsa.öberg@team.test>, "Dan Colleague" <${DAN}>`] }));
      expect(opened.result).toBe('created');
      // Old (SQLite, whose lower() folds only ASCII): Åsa was kept as a copied person and got the customer's emails.
      expect(await copiedRows(t, Number(opened.ticket!.replace('HD-', '')))).toEqual([{ address: DAN, name: 'Dan Colleague' }]);
    });

    it('a copied person with a long name answers on the ticket: the writer shown is cut to the 100 characters a message\'s writer holds', async () => {
      const name = 'Dr. Maximiliane Alexandra von Hohenzollern-Sigmaringen, Head of Procurement, Europe';
      const opened = await deliver(customerMail({ messageId: '<open.long@mail.customer.example>', headers: [`Cc: "${name}" <${DAN}>`] }));
      expect(opened.result).toBe('created');
      const answer = await deliver(customerMail({ from: `"${name}" <${DAN}>`, subject: `Re: [${opened.ticket}] Printer on fire`, messageId: '<dan.long@mail.customer.example>', text: 'Seen it.' }));
      expect(answer).toEqual({ result: 'appended', ticket: opened.ticket, reason: null });
      const message = await t.ctx.handle.db.selectFrom('messages').select(['author_name', 'body']).where('mail_key', '=', '<dan.long@mail.customer.example>').executeTakeFirstOrThrow();
      expect(message.body).toBe('Seen it.');
      expect([...message.author_name].length).toBeLessThanOrEqual(100);
      expect(message.author_name).toMatch(/^Dr\. Maximiliane/);
      expect(message.author_name).toContain(DAN);
    });
  });
}
