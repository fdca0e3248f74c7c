/**
 * POST /api/v1/inbound/email (SPEC §10, HTTP source) end to end: every result a mail can get, the
 * answer's shape, who may deliver (admin and inbound-only tokens; nobody else), what an inbound
 * token may not do (anything else), and that delivering mail is no sign an agent is at work.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { messageIdFor } from '../../src/mail/message.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { findUserById } from '../../src/repositories/users.js';
import { expireIdleSessions } from '../../src/services/auth.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken, revokeApiToken } from '../../src/services/tokens.js';
import { deactivateUser } from '../../src/services/admin.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { routeCollector, snapshot } from '../support/snapshot.js';
import { drain } from '../mail/support/drain.js';
import { newMessageId, postMail, rawMail } from '../mail/support/raw-mail.js';
import { startSmtpServer } from '../mail/support/smtp.js';
import { FAST_TIMEOUTS, MAIL_FROM, memoryLogger } from '../mail/support/testbed.js';

const INBOUND_ROUTE = 'POST /api/v1/inbound/email';
const MAX_BYTES = 64 * 1024;
const PER_HOUR = 3;
const IDLE_MINUTES = 480;

/** Rows of the tables a mail may add to. */
async function counts(db: Db) {
  const n = async (table: 'tickets' | 'messages' | 'outbox' | 'inbound_mails') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { tickets: await n('tickets'), messages: await n('messages'), outbox: await n('outbox'), inbound: await n('inbound_mails') };
}

const ticketId = (reference: string) => Number(reference.replace(/^HD-/, ''));

for (const dialect of DIALECTS) {
  describe(`POST /api/v1/inbound/email (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    const collector = routeCollector();
    let tokens: { admin: string; inbound: string; agent: string };
    let staff: { root: number; alice: number };
    const db = () => t.ctx.handle.db;
    const deliver = (raw: string | Buffer, token: string | null = tokens.inbound) => postMail(t.app, token, raw);

    beforeAll(async () => {
      t = await startTestApp(dialect, {
        clock,
        onRoute: collector.collect,
        config: {
          mailFrom: MAIL_FROM,
          sessionIdleMinutes: IDLE_MINUTES,
          inbound: { imapUrl: undefined, imapPollSeconds: 30, imapLeaseSeconds: 60, imapProcessedFolder: 'Processed', maxBytes: MAX_BYTES, ticketsPerHour: PER_HOUR },
        },
      });
      staff = { root: await addStaff(t.ctx, 'root', { role: 'admin' }), alice: await addStaff(t.ctx, 'alice') };
      tokens = {
        admin: (await createApiToken(t.ctx, staff.root, 'admin script')).token,
        // An inbound token may belong to any staff account; it carries none of its rights.
        inbound: (await createApiToken(t.ctx, staff.alice, 'mail server', 'inbound')).token,
        agent: (await createApiToken(t.ctx, staff.alice, 'alice script')).token,
      };
    });
    afterAll(() => t.close());

    /** The `created` email of a ticket and its Message-ID as the worker sends it. */
    async function createdEmailId(id: number): Promise<string> {
      const row = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', id).where('kind', '=', 'created').executeTakeFirstOrThrow();
      return messageIdFor(row, MAIL_FROM);
    }

    it('a new mail: 200 created with its ticket, made from the mail as the form would make it', async () => {
      const response = await deliver(rawMail({ from: '"Dora Doe" <dora@customer.example>', subject: 'VPN drops hourly', text: 'Every hour on the hour.' }));
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/json');
      const answer = response.json();
      expect(answer).toEqual({ result: 'created', ticket: expect.stringMatching(/^HD-\d+$/), reason: null });
      const ticket = await db().selectFrom('tickets').selectAll().where('id', '=', ticketId(answer.ticket)).executeTakeFirstOrThrow();
      expect(ticket).toMatchObject({ customer_name: 'Dora Doe', customer_email: 'dora@customer.example', title: 'VPN drops hourly', priority: 'medium', status: 'open' });
      const messages = await db().selectFrom('messages').select(['kind', 'body', 'channel']).where('ticket_id', '=', ticket.id).execute();
      expect(messages).toEqual([{ kind: 'customer', body: 'Every hour on the hour.', channel: 'email' }]);
      expect(await db().selectFrom('outbox').select(['kind', 'to_address']).where('ticket_id', '=', ticket.id).execute()).toEqual([{ kind: 'created', to_address: 'dora@customer.example' }]);
      const logged = await db().selectFrom('inbound_mails').selectAll().where('ticket_id', '=', ticket.id).executeTakeFirstOrThrow();
      expect(logged).toMatchObject({ source: 'http', result: 'created', from_address: 'dora@customer.example', subject: 'VPN drops hourly' });
    });

    it('a reply to our created email is appended; the same reference from another sender opens a ticket of its own', async () => {
      const created = (await deliver(rawMail({ from: 'erin@customer.example', subject: 'Lost password' }))).json();
      const ours = await createdEmailId(ticketId(created.ticket));
      const reply = await deliver(rawMail({ from: 'ERIN@Customer.Example', subject: 'Re: [HD-0] whatever', inReplyTo: ours, references: [ours], text: 'Still locked out.\n\nOn Friday you wrote:\n> We received your request' }));
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({ result: 'appended', ticket: created.ticket, reason: null });
      const thread = await db().selectFrom('messages').select(['kind', 'body', 'channel']).where('ticket_id', '=', ticketId(created.ticket)).orderBy('id').execute();
      expect(thread.map((m) => m.body)).toEqual(['It smells of toner.', 'Still locked out.']);
      expect((await db().selectFrom('tickets').select('waiting_on').where('id', '=', ticketId(created.ticket)).executeTakeFirstOrThrow()).waiting_on).toBe('agent');

      // Rule 5: a stranger quoting the thread never touches that ticket.
      const stranger = (await deliver(rawMail({ from: 'mallory@elsewhere.example', subject: 'Re: Lost password', inReplyTo: ours }))).json();
      expect(stranger.result).toBe('created');
      expect(stranger.ticket).not.toBe(created.ticket);
      expect(await db().selectFrom('messages').select('id').where('ticket_id', '=', ticketId(created.ticket)).execute()).toHaveLength(2);
    });

    it('a reply to a closed ticket opens a follow-up, and the next goes onto it while it is open; the closed ticket does not change', async () => {
      const created = (await deliver(rawMail({ from: 'fay@customer.example', subject: 'Invoice wrong' }))).json();
      const id = ticketId(created.ticket);
      await closeTicket(t.ctx, { id: staff.root, role: 'admin' }, id);
      const before = await db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const answer = (await deliver(rawMail({ from: 'fay@customer.example', subject: 'Re: Invoice wrong', inReplyTo: await createdEmailId(id), text: 'It is still wrong.' }))).json();
      expect(answer).toEqual({ result: 'follow_up', ticket: expect.stringMatching(/^HD-\d+$/), reason: expect.stringContaining(`${created.ticket} was closed`) });
      const followUp = await db().selectFrom('tickets').selectAll().where('id', '=', ticketId(answer.ticket)).executeTakeFirstOrThrow();
      expect(followUp).toMatchObject({ follow_up_of: id, title: 'Re: Invoice wrong', customer_email: 'fay@customer.example', status: 'open' });
      expect(await db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).toEqual(before);

      // Another answer to the closed ticket's mail while the follow-up is open goes onto the follow-up.
      const again = (await deliver(rawMail({ from: 'fay@customer.example', subject: 'Re: Invoice wrong', inReplyTo: await createdEmailId(id), text: 'Here is the invoice number.' }))).json();
      expect(again).toEqual({ result: 'appended', ticket: answer.ticket, reason: `${created.ticket} was closed: added to its open follow-up ${answer.ticket}.` });
      expect((await db().selectFrom('messages').select('body').where('ticket_id', '=', followUp.id).orderBy('id').execute()).map((m) => m.body)).toEqual(['It is still wrong.', 'Here is the invoice number.']);
      expect(await db().selectFrom('tickets').select('id').where('follow_up_of', '=', id).execute()).toHaveLength(1);
      expect(await db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).toEqual(before);
    });

    it('the same mail again is a duplicate and changes nothing', async () => {
      const raw = rawMail({ from: 'gus@customer.example', subject: 'Duplicate me' });
      const first = (await deliver(raw)).json();
      expect(first.result).toBe('created');
      const before = await counts(db());
      const again = await deliver(raw, tokens.admin);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ result: 'duplicate', ticket: first.ticket, reason: expect.any(String) });
      // Without a Message-ID the raw bytes are the key.
      const bare = rawMail({ from: 'gus@customer.example', subject: 'No id', messageId: null });
      expect((await deliver(bare)).json().result).toBe('created');
      const middle = await counts(db());
      expect((await deliver(bare)).json().result).toBe('duplicate');
      expect(await counts(db())).toEqual(middle);
      expect(middle).toEqual({ ...before, tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
    });

    it('our own mail coming back is ignored, every time; an auto-reply is ignored; a forged id of our form is not ours', async () => {
      const created = (await deliver(rawMail({ from: 'hal@customer.example', subject: 'Echo' }))).json();
      const smtp = await startSmtpServer();
      const mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      try {
        await drain(new OutboxWorker({ handle: t.ctx.handle, mailer, clock, from: MAIL_FROM, logger: memoryLogger() }));
        const ours = await createdEmailId(ticketId(created.ticket));
        const sent = smtp.received.find((e) => e.messageId === ours);
        expect(sent, 'the created email was sent').toBeDefined();
        const before = await counts(db());
        for (let i = 0; i < 2; i++) {
          const echo = await deliver(sent!.raw);
          expect(echo.statusCode).toBe(200);
          expect(echo.json()).toEqual({ result: 'ignored', ticket: null, reason: expect.stringContaining('Our own mail') });
        }
        expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });
      } finally {
        mailer.close();
        await smtp.close();
      }

      const before = await counts(db());
      const auto = await deliver(rawMail({ from: 'ivy@customer.example', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }));
      expect(auto.json()).toEqual({ result: 'ignored', ticket: null, reason: expect.stringContaining('Auto-Submitted') });
      expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });

      // Anyone can write an id in our form; only one matching its outbox row is ours.
      const forged = await deliver(rawMail({ from: 'jay@customer.example', messageId: `<hd-1.outbox-1.0123456789abcdef@${MAIL_FROM.split('@')[1]!.replace('>', '')}>` }));
      expect(forged.json().result).toBe('created');
    });

    it('a mail with a null Return-Path (a mail system\'s own notice) opens no ticket and sends nothing; on an open ticket of its sender it is shown, marked automatic, and the turn stays', async () => {
      const before = await counts(db());
      const vacation = await deliver(rawMail({ from: 'olga@customer.example', subject: 'Away until Monday', headers: { 'Return-Path': '<>' } }));
      expect(vacation.json()).toEqual({ result: 'ignored', ticket: null, reason: expect.stringContaining('Return-Path: <>') });
      expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });

      const created = (await deliver(rawMail({ from: 'olga@customer.example', subject: 'Laptop' }))).json();
      const id = ticketId(created.ticket);
      await db().updateTable('tickets').set({ waiting_on: 'customer' }).where('id', '=', id).execute();
      const receipt = await deliver(rawMail({ from: 'olga@customer.example', subject: `Read: [${created.ticket}] Laptop`, headers: { 'Return-Path': '<>' }, text: 'Your message was read.' }));
      expect(receipt.json()).toEqual({ result: 'ignored', ticket: created.ticket, reason: expect.stringContaining('Shown on its ticket') });
      const last = await db().selectFrom('messages').select(['body', 'automatic']).where('ticket_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last).toEqual({ body: 'Your message was read.', automatic: 1 });
      expect((await db().selectFrom('tickets').select('waiting_on').where('id', '=', id).executeTakeFirstOrThrow()).waiting_on).toBe('customer');
      expect(await db().selectFrom('outbox').select('kind').where('ticket_id', '=', id).execute()).toEqual([{ kind: 'created' }]);
    });

    it(`a sender over INBOUND_TICKETS_PER_HOUR (${PER_HOUR}) is rejected, with no ticket and no email, until the hour has passed`, async () => {
      for (let i = 0; i < PER_HOUR; i++) expect((await deliver(rawMail({ from: 'kim@customer.example', subject: `Spam ${i}` }))).json().result).toBe('created');
      const before = await counts(db());
      const over = await deliver(rawMail({ from: 'Kim@customer.example', subject: 'One too many' }));
      expect(over.statusCode).toBe(200);
      expect(over.json()).toEqual({ result: 'rejected', ticket: null, reason: expect.stringContaining(`the limit is ${PER_HOUR}`) });
      expect(await counts(db())).toEqual({ ...before, inbound: before.inbound + 1 });
      // Another sender is not held back, and the same one may write again an hour later.
      expect((await deliver(rawMail({ from: 'lou@customer.example' }))).json().result).toBe('created');
      clock.advance(60 * 60_000 + 1);
      expect((await deliver(rawMail({ from: 'kim@customer.example', subject: 'Next hour' }))).json().result).toBe('created');
    });

    it('a mail over INBOUND_MAX_BYTES: 200, its ticket opened from its header with a note, only its header kept; far larger: a plain 413, nothing recorded', async () => {
      const messageId = newMessageId();
      const raw = rawMail({ from: 'max@customer.example', subject: 'Huge scan', messageId, text: 'x'.repeat(MAX_BYTES + 100) });
      const before = await counts(db());
      const response = await deliver(raw);
      expect(response.statusCode).toBe(200);
      const answer = response.json();
      expect(answer).toEqual({ result: 'created', ticket: expect.stringMatching(/^HD-\d+$/), reason: expect.stringMatching(/^Larger than 65,536 bytes \(INBOUND_MAX_BYTES\): [\d,]+ bytes; read from its header only/) });
      // A ticket, its message and the customer's usual `created` email.
      expect(await counts(db())).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
      const ticket = await db().selectFrom('tickets').selectAll().where('id', '=', ticketId(answer.ticket)).executeTakeFirstOrThrow();
      expect(ticket).toMatchObject({ customer_email: 'max@customer.example', title: 'Huge scan', description: "[This mail was 64 kB, over the help desk's limit of 64 kB, so its text and files were not read. Please send the text again, with smaller files or links to them.]" });
      const logged = await db().selectFrom('inbound_mails').selectAll().where('mail_key', '=', messageId).executeTakeFirstOrThrow();
      expect(logged).toMatchObject({ result: 'created', size: Buffer.byteLength(raw), from_address: 'max@customer.example', subject: 'Huge scan', source: 'http', ticket_id: ticket.id });
      const header = Buffer.from(logged.raw).toString('latin1');
      expect(raw.startsWith(header)).toBe(true);
      expect(header).toContain(`Message-ID: ${messageId}`);
      expect(header).not.toContain('xxxx');
      // Sent again, it is a duplicate.
      const again = await deliver(raw);
      expect([again.statusCode, again.json().result, again.json().ticket]).toEqual([200, 'duplicate', answer.ticket]);

      // Beyond what the route reads at all (twice the limit), the body is cut off unread.
      const enormous = await deliver(rawMail({ from: 'max@customer.example', text: 'y'.repeat(3 * MAX_BYTES) }));
      expect(enormous.statusCode).toBe(413);
      expect(enormous.json().error.code).toBe('payload_too_large');
      expect(await counts(db())).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
    });

    it("admin and inbound tokens deliver; an agent's token is refused 403, none 401, a wrong content type 415, and nothing is written", async () => {
      expect((await deliver(rawMail({ from: 'nia@customer.example' }), tokens.admin)).json().result).toBe('created');
      expect((await deliver(rawMail({ from: 'nia@customer.example' }), tokens.inbound)).json().result).toBe('created');
      const before = await counts(db());
      const mail = rawMail({ from: 'nia@customer.example' });
      const refusals: [string | null, string | null, number, string][] = [
        [tokens.agent, 'message/rfc822', 403, 'forbidden'],
        [null, 'message/rfc822', 401, 'unauthenticated'],
        ['hd_not-a-real-token-at-all-0000000000', 'message/rfc822', 401, 'unauthenticated'],
        [tokens.inbound, 'text/plain', 415, 'unsupported_media_type'],
        [tokens.inbound, 'application/json', 415, 'unsupported_media_type'],
        [tokens.inbound, null, 415, 'unsupported_media_type'],
        [tokens.admin, 'multipart/form-data; boundary=x', 415, 'unsupported_media_type'],
      ];
      for (const [token, type, status, code] of refusals) {
        const response = await postMail(t.app, token, type === 'application/json' ? JSON.stringify({ raw: mail }) : mail, type);
        expect(response.statusCode, `${type} ${token?.slice(0, 6)}`).toBe(status);
        expect(response.headers['content-type']).toContain('application/json');
        expect(response.json().error, `${type}`).toEqual({ code, message: expect.any(String) });
      }
      expect(await counts(db())).toEqual(before);
    });

    it('a compressed body (Content-Encoding gzip) is refused 415 before it is read, not recorded as an unreadable mail; identity is read', async () => {
      const mail = rawMail({ from: 'ola@customer.example', messageId: '<compressed.1@customer.example>' });
      const before = await counts(db());
      for (const encoding of ['gzip', 'deflate', 'br', 'GZIP']) {
        const body = encoding === 'deflate' ? deflateSync(mail) : gzipSync(mail);
        const response = await t.app.inject({ method: 'POST', url: '/api/v1/inbound/email', headers: { authorization: `Bearer ${tokens.inbound}`, 'content-type': 'message/rfc822', 'content-encoding': encoding }, payload: body });
        expect(response.statusCode, encoding).toBe(415);
        expect(response.json().error).toEqual({ code: 'unsupported_media_type', message: expect.stringContaining('Content-Encoding') });
      }
      expect(await counts(db())).toEqual(before);
      const plain = await t.app.inject({ method: 'POST', url: '/api/v1/inbound/email', headers: { authorization: `Bearer ${tokens.inbound}`, 'content-type': 'message/rfc822', 'content-encoding': 'identity' }, payload: mail });
      expect(plain.json()).toMatchObject({ result: 'created' });
    });

    it('any bytes get a result: NUL characters in headers, a broken charset, garbage; each again is a duplicate', async () => {
      const attachment = [
        'From: uma@customer.example',
        'Subject: With a file',
        `Message-ID: ${newMessageId()}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=B',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'See the file.',
        '--B',
        'Content-Type: application/pd\0f; name="a\0b.pdf"',
        'Content-Disposition: attachment; filename="c\0d.pdf"',
        '',
        '%PDF-1.4',
        '--B--',
        '',
      ].join('\r\n');
      const mails: [string, string, string][] = [
        // PostgreSQL cannot store or compare U+0000: each of these was a 503 for ever (never handled).
        ['encoded NUL in the subject', rawMail({ from: 'rex@customer.example', subject: '=?utf-8?q?Hi=00there?=' }), 'created'],
        ['raw NUL in the subject', rawMail({ from: 'rex@customer.example', subject: 'Hi\0there' }), 'created'],
        ['NUL in the display name', rawMail({ from: '"=?utf-8?q?Re=00x?=" <rex@customer.example>' }), 'created'],
        ['NUL in the Message-ID', rawMail({ from: 'sam@customer.example', messageId: '<a\0b@customer.example>' }), 'created'],
        ['NUL in In-Reply-To', rawMail({ from: 'sam@customer.example', inReplyTo: '<x\0y@customer.example>' }), 'created'],
        ['NUL in an auto-reply header', rawMail({ from: 'sam@customer.example', headers: { 'Auto-Submitted': 'auto-replied\0' } }), 'ignored'],
        ['NUL in a file type and name', attachment, 'created'],
        ['a broken charset', rawMail({ from: 'tia@customer.example', subject: '\xff\xfe odd', text: '\xc3\x28' }), 'created'],
        ['no mail at all', '\0\x01\x02 not a mail \xff', 'rejected'],
      ];
      for (const [what, raw, result] of mails) {
        const bytes = Buffer.from(raw, 'latin1');
        const first = await deliver(bytes);
        expect(first.statusCode, what).toBe(200);
        expect(first.json().result, what).toBe(result);
        expect((await deliver(bytes)).json().result, `${what}, again`).toBe('duplicate');
      }
      const file = await db().selectFrom('attachments').select(['filename', 'content_type']).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(file.filename).not.toContain('\0');
    });

    it('a failing database answers 503 (try again) and records nothing; delivered again, the mail is handled once', async () => {
      const raw = rawMail({ from: 'quinn@customer.example', subject: 'While the database was away' });
      const before = await counts(db());
      // The inbound log is gone for a moment: the mail cannot even be recorded.
      await sql`alter table inbound_mails rename to inbound_mails_away`.execute(db());
      let response;
      try {
        response = await deliver(raw);
      } finally {
        await sql`alter table inbound_mails_away rename to inbound_mails`.execute(db());
      }
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('60');
      expect(response.json().error).toEqual({ code: 'unavailable', message: expect.stringContaining('Deliver it again later') });
      expect(await counts(db())).toEqual(before);
      expect((await deliver(raw)).json().result).toBe('created');
      expect((await deliver(raw)).json().result).toBe('duplicate');
      expect(await counts(db())).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
    });

    it('an inbound token is refused (403) on every other API route, changing nothing', async () => {
      const routes = collector.routes().filter((r) => r.url.startsWith('/api/v1/') && `${r.method} ${r.url}` !== INBOUND_ROUTE);
      // The §8 table and the attachments route, at least.
      expect(routes.length).toBeGreaterThanOrEqual(11);
      const existing = (await deliver(rawMail({ from: 'oz@customer.example' }), tokens.admin)).json().ticket as string;
      const before = await snapshot(db());
      for (const route of routes) {
        const url = route.url.replace(':reference', existing).replace(':id', '1');
        const body = route.method === 'GET' ? undefined : { name: 'Oz', email: 'oz@customer.example', title: 'Via token', description: 'D', priority: 'low', kind: 'note', agent: null, status: 'away' };
        const response = await t.app.inject({
          method: route.method as 'GET' | 'POST' | 'PUT',
          url,
          headers: { authorization: `Bearer ${tokens.inbound}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        });
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
        expect(response.json().error.code).toBe('forbidden');
      }
      expect(await snapshot(db())).toEqual(before);
      // The same requests without a token: the public route still creates (the refusal is the token's).
      const open = await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: { name: 'Oz', email: 'oz@customer.example', title: 'Anonymous', description: 'D', priority: 'low' } });
      expect(open.statusCode).toBe(201);
    });

    it('delivering mail with an inbound token never keeps its agent present; an API token in use does', async () => {
      const bob = await addStaff(t.ctx, 'bob');
      const bobToken = (await createApiToken(t.ctx, bob, 'bob script')).token;
      // Both made available through the service: no session, so only token use could keep them.
      await changePresence(t.ctx, staff.alice, 'available');
      await changePresence(t.ctx, bob, 'available');
      clock.advance((IDLE_MINUTES + 1) * 60_000);
      expect((await deliver(rawMail({ from: 'pat@customer.example' }), tokens.inbound)).json().result).toBe('created');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/tickets', headers: { authorization: `Bearer ${bobToken}` } })).statusCode).toBe(200);
      const inboundRow = await db().selectFrom('api_tokens').select('last_used_at').where('scope', '=', 'inbound').executeTakeFirstOrThrow();
      expect(inboundRow.last_used_at, 'the use was recorded all the same').toBe(clock.now());
      await expireIdleSessions(t.ctx, IDLE_MINUTES);
      expect((await findUserById(db(), staff.alice))!.presence).toBe('offline');
      expect((await findUserById(db(), bob))!.presence).toBe('available');
    });

    it('the route remembers a token for 2 s, but a revoked token or a deactivated account is refused by the very next mail', async () => {
      const mallory = await addStaff(t.ctx, 'mallory');
      const eve = await addStaff(t.ctx, 'eve', { role: 'admin' });
      const inbound = await createApiToken(t.ctx, mallory, 'to revoke', 'inbound');
      const admin = await createApiToken(t.ctx, eve, 'to deactivate');
      let sender = 0;
      const mail = () => rawMail({ from: `rev${sender++}@customer.example` });
      for (const token of [inbound.token, admin.token]) {
        // Twice: the second is answered from the token memory.
        for (let i = 0; i < 2; i++) expect((await deliver(mail(), token)).json().result).toBe('created');
      }
      const before = await counts(db());
      expect(await revokeApiToken(t.ctx, inbound.id, null)).toBe(true);
      const revoked = await deliver(mail(), inbound.token);
      expect(revoked.statusCode).toBe(401);
      expect(await deactivateUser(t.ctx, staff.root, eve)).toBe(true);
      const deactivated = await deliver(mail(), admin.token);
      expect(deactivated.statusCode).toBe(401);
      expect(await counts(db())).toEqual(before);
    });
  });
}
