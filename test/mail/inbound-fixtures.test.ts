/**
 * Every real-shaped mail of test/fixtures/mail/ through the one ingest pipeline (SPEC §10,
 * src/services/inbound.ts) on both engines: its result, the ticket it became or answered, the
 * message text, the files stored, the email a bounce marks, an auto-reply shown without changing
 * whose turn it is, the 11 MB mail read from its header only (and kept so), no email for mail that must
 * cause none, a stranger's answer leaving the customer's ticket alone; the invariants after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundResult } from '../../src/core/inbound.js';
import type { Dialect } from '../../src/db/connect.js';
import type { TicketRow } from '../../src/db/schema.js';
import { messageIdFor } from '../../src/mail/message.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import type { ServiceContext } from '../../src/services/context.js';
import { DEFAULT_INBOUND_SETTING, ingestMail, type InboundOutcome, type InboundSetting } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { closeTicket } from '../../src/services/tickets.js';
import { writeCounts } from '../fuzz/support.js';
import { addStaff } from '../support/app.js';
import { SteppingClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { snapshot } from '../support/snapshot.js';
import { fixture, FIXTURES, type FixtureValues } from './support/fixtures.js';

const SETTING: InboundSetting = { mailFrom: 'Helpdesk <support@helpdesk.test>', maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 };
const CARLA = { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is on fire.', priority: 'medium' };

/** What each fixture becomes when it names a ticket of Carla's (every fixture must be here). */
const EXPECTED: Record<string, InboundResult> = {
  'apple-mail-reply': 'follow_up',
  'autoresponder-x-autoreply': 'ignored',
  'broken-mime': 'created',
  'dsn-bounce': 'bounce',
  'qmail-bounce': 'bounce',
  'exchange-autoreply': 'ignored',
  forward: 'created',
  'gmail-reply': 'appended',
  'html-only': 'created',
  'latin1-8bit-no-charset': 'created',
  'mailing-list': 'ignored',
  'no-message-id': 'created',
  'other-sender-subject-token': 'created',
  'out-of-office': 'ignored',
  'outlook-reply': 'appended',
  'own-mail-loop': 'ignored',
  'related-inline-image-and-pdf': 'created',
  'subject-latin1-qp': 'created',
  'subject-utf8-base64': 'created',
  utf7: 'created',
  'windows-1252': 'created',
};

/** A mail of about `size` bytes: a real header and a base64 attachment (generated, never committed). */
function hugeMail(size: number, fields = ['Subject: The scan you asked for', 'Message-ID: <huge.scan.1@example.com>'], from = 'Carla Customer <carla@example.com>'): Buffer {
  const head = [`From: ${from}`, 'To: support@helpdesk.test', ...fields, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'].join('\r\n');
  const line = `${'QUJD'.repeat(19)}\r\n`;
  const lines = Math.ceil(size / line.length);
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n--b\r\nContent-Type: application/pdf; name="scan.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n`), Buffer.from(line.repeat(lines)), Buffer.from('--b--\r\n')]);
}

for (const dialect of DIALECTS) describe(`${dialect}: real mail through ingestMail`, () => suite(dialect));

function suite(dialect: Dialect) {
  let database: TestDatabase;
  let ctx: ServiceContext;
  let intake: TicketIntake;
  let admin: { id: number; role: 'admin' };
  const db = () => ctx.handle.db;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ctx = { handle: database.handle, clock: new SteppingClock(), publicUrl: 'http://helpdesk.test' };
    intake = new TicketIntake(ctx);
    admin = { id: await addStaff(ctx, 'ada', { role: 'admin' }), role: 'admin' };
  });

  afterAll(async () => {
    // Every mail recorded once, with a result; the tickets tell the same story as their events and emails.
    const mails = await db().selectFrom('inbound_mails').select(['mail_key', 'result']).execute();
    expect(new Set(mails.map((m) => m.mail_key)).size).toBe(mails.length);
    expect(mails.filter((m) => m.result === null)).toEqual([]);
    expect(await historyViolations(db())).toEqual([]);
    expect(await capacityViolations(db())).toEqual([]);
    await database.drop();
  });

  /** A ticket of Carla's made through the form's intake, and the Message-ID of its `created` email. */
  async function carlasTicket(): Promise<{ ticket: TicketRow; values: Required<FixtureValues>; outboxId: number }> {
    const ticket = await intake.submit(CARLA);
    const row = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', ticket.id).where('kind', '=', 'created').executeTakeFirstOrThrow();
    return { ticket, values: { ourId: messageIdFor(row, SETTING.mailFrom), ticket: ticket.id }, outboxId: row.id };
  }

  const ingest = (raw: Buffer) => ingestMail(ctx, intake, SETTING, raw, 'pipe');
  const ticketOf = (id: number) => db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const messagesOf = (id: number) => db().selectFrom('messages').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
  const firstEmail = (ticketId: number) => db().selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').executeTakeFirstOrThrow();
  const emailCount = async () => (await db().selectFrom('outbox').select('id').execute()).length;
  const filesOf = (messageId: number) =>
    db()
      .selectFrom('attachments as a')
      .innerJoin('files as f', 'f.sha256', 'a.file_sha256')
      .select(['a.filename', 'a.content_type', 'a.size', 'f.content'])
      .where('a.message_id', '=', messageId)
      .orderBy('a.id')
      .execute();

  /** Ingests a fixture naming a fresh ticket of Carla's; checks its result against EXPECTED. */
  async function ingestFixture(name: string) {
    const carla = await carlasTicket();
    const outcome = await ingest(fixture(name, carla.values));
    expect(outcome.result, `${name}: ${outcome.reason}`).toBe(EXPECTED[name]);
    return { ...carla, outcome };
  }

  /** The ticket a mail created, with its first message (its description). */
  async function created(outcome: InboundOutcome) {
    expect(outcome.ticketId).not.toBeNull();
    const ticket = await ticketOf(outcome.ticketId!);
    const [first, ...rest] = await messagesOf(ticket.id);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ kind: 'customer', channel: 'email', automatic: 0, body: ticket.description });
    const emails = await db().selectFrom('outbox').select(['kind', 'to_address']).where('ticket_id', '=', ticket.id).execute();
    expect(emails).toEqual([{ kind: 'created', to_address: ticket.customer_email }]);
    return { ticket, message: first! };
  }

  it('every fixture has an expected result', () => {
    expect([...FIXTURES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('Gmail reply: appended to the ticket as its text without the quote; sent again, a duplicate that changes nothing', async () => {
    const { ticket, values, outcome } = await ingestFixture('gmail-reply');
    expect(outcome).toMatchObject({ ticketId: ticket.id, reason: null });
    const [, reply] = await messagesOf(ticket.id);
    expect(reply).toMatchObject({ kind: 'customer', channel: 'email', automatic: 0, mail_key: '<CAF3k9xQ7yZ2m+Vb1pKq=8nLwR4tE0sJd-wX7h@mail.gmail.com>' });
    expect(reply!.body).toBe('Thanks! The printer works again ✓ — the new toner from the café next door did it. It cost 12 €.\n\nCarla');
    expect((await ticketOf(ticket.id)).waiting_on).toBe('agent');
    const before = { rows: await snapshot(db()), counts: await writeCounts(db()) };
    const again = await ingest(fixture('gmail-reply', values));
    expect(again).toMatchObject({ result: 'duplicate', ticketId: ticket.id });
    expect({ rows: await snapshot(db()), counts: await writeCounts(db()) }).toEqual(before);
  });


  it('Outlook reply from Carla@Example.COM (any letter case): appended, without the From/Sent block', async () => {
    const { ticket, outcome } = await ingestFixture('outlook-reply');
    expect(outcome.ticketId).toBe(ticket.id);
    expect((await messagesOf(ticket.id)).at(-1)!.body).toBe('Hello,\n\n\nIt is burning again – the paper tray this time. Über-urgent!');
  });

  it('Apple Mail reply to a closed ticket: a follow-up with the reply as its description; the closed ticket unchanged', async () => {
    const carla = await carlasTicket();
    await closeTicket(ctx, admin, carla.ticket.id);
    const closed = { ticket: await ticketOf(carla.ticket.id), messages: await messagesOf(carla.ticket.id) };
    const outcome = await ingest(fixture('apple-mail-reply', carla.values));
    expect(outcome.result).toBe('follow_up');
    const { ticket } = await created(outcome);
    expect(ticket).toMatchObject({ follow_up_of: carla.ticket.id, customer_email: 'carla@example.com', customer_name: 'Carla Customer' });
    expect(ticket.description).toBe('Still smoking a bit. Grüße aus München, the office on the 2nd floor smells like crème brûlée.');
    expect({ ticket: await ticketOf(carla.ticket.id), messages: await messagesOf(carla.ticket.id) }).toEqual(closed);
  });

  it('a forward: a new ticket for the forwarder, the forwarded mail in its description', async () => {
    const { outcome } = await ingestFixture('forward');
    const { ticket } = await created(outcome);
    expect(ticket).toMatchObject({ customer_name: 'Dave Dispatcher', customer_email: 'dave@example.org', title: 'Invoice 2026-113 is wrong', priority: 'medium', status: 'open' });
    expect(ticket.description).toContain('From: Bob Builder <bob@builder.example>');
    expect(ticket.description).toContain('The invoice lists 3 printers at 499,00 € each; we bought 2.');
  });

  it('the right [HD-n] from another address: a new ticket of its own, the named ticket untouched', async () => {
    const carla = await carlasTicket();
    const before = { ticket: await ticketOf(carla.ticket.id), messages: await messagesOf(carla.ticket.id) };
    const outcome = await ingest(fixture('other-sender-subject-token', carla.values));
    expect(outcome.result).toBe('created');
    const { ticket } = await created(outcome);
    expect(ticket.id).not.toBe(carla.ticket.id);
    expect(ticket).toMatchObject({ customer_email: 'eve@other.example', customer_name: 'Eve Colleague', title: 'Printer on fire', follow_up_of: null });
    expect({ ticket: await ticketOf(carla.ticket.id), messages: await messagesOf(carla.ticket.id) }).toEqual(before);
  });

  it('a delivery status report: the sent email it returns becomes bounced with the reason; no email, no message', async () => {
    const carla = await carlasTicket();
    await db().updateTable('outbox').set({ status: 'sent', sent_at: ctx.clock.now() }).where('id', '=', carla.outboxId).execute();
    const before = { emails: await emailCount(), messages: await messagesOf(carla.ticket.id) };
    const outcome = await ingest(fixture('dsn-bounce', carla.values));
    const reason = 'Status 5.1.1: smtp; 550 5.1.1 <carla@example.com>: Recipient address rejected: User unknown in virtual mailbox table';
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: carla.ticket.id, reason: `${reason} Email #${carla.outboxId} marked bounced.` });
    expect(await db().selectFrom('outbox').select(['status', 'last_error']).where('id', '=', carla.outboxId).executeTakeFirst()).toEqual({ status: 'bounced', last_error: reason });
    expect({ emails: await emailCount(), messages: await messagesOf(carla.ticket.id) }).toEqual(before);
  });

  it('a qmail-style plain-text bounce: the sent email becomes bounced with the cause line, not the subject', async () => {
    const carla = await carlasTicket();
    await db().updateTable('outbox').set({ status: 'sent', sent_at: ctx.clock.now() }).where('id', '=', carla.outboxId).execute();
    const outcome = await ingest(fixture('qmail-bounce', carla.values));
    const reason = 'Delivery failed: <carla@example.com>: Sorry, no mailbox here by that name. (#5.1.1)';
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: carla.ticket.id, reason: `${reason} Email #${carla.outboxId} marked bounced.` });
    expect(await db().selectFrom('outbox').select(['status', 'last_error']).where('id', '=', carla.outboxId).executeTakeFirst()).toEqual({ status: 'bounced', last_error: reason });
  });

  /** The dsn-bounce fixture about Carla's sent email, edited as `edit` says. */
  async function reportOnSentEmail(reportId: string, edit: (text: string) => string, cc = '') {
    const carla = await carlasTicket();
    await db().updateTable('outbox').set({ status: 'sent', sent_at: ctx.clock.now(), cc_addresses: cc }).where('id', '=', carla.outboxId).execute();
    const text = fixture('dsn-bounce', carla.values).toString('latin1').replace('<20261127090209.4XyZ1k2LmNz9tQ@mx.helpdesk.test>', reportId);
    const outcome = await ingest(Buffer.from(edit(text), 'latin1'));
    const email = await db().selectFrom('outbox').select(['status', 'last_error']).where('id', '=', carla.outboxId).executeTakeFirstOrThrow();
    return { carla, outcome, email };
  }

  it('a delay notice (Action: delayed, the mail server still trying) leaves the email sent: it has not bounced', async () => {
    const { carla, outcome, email } = await reportOnSentEmail('<delayed.report@mx.helpdesk.test>', (text) =>
      text.replace('Action: failed', 'Action: delayed').replace('Status: 5.1.1', 'Status: 4.4.1').replace('Subject: Undelivered Mail Returned to Sender', 'Subject: Delayed Mail (still being retried)'),
    );
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: carla.ticket.id, reason: expect.stringContaining('not marked bounced') });
    expect(email).toEqual({ status: 'sent', last_error: null });
  });

  it('a report that only a copied person\'s address failed leaves the email sent: it reached the customer', async () => {
    const { carla, outcome, email } = await reportOnSentEmail('<copied.report@mx.helpdesk.test>', (text) =>
      text.replace('Final-Recipient: rfc822; carla@example.com', 'Final-Recipient: rfc822; dan@example.com').replace('Original-Recipient: rfc822;carla@example.com', 'Original-Recipient: rfc822;dan@example.com'),
      // The email went to Carla with Dan in Cc (a reply on a ticket her mail copied him on).
      'dan@example.com',
    );
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: carla.ticket.id, reason: expect.stringContaining('dan@example.com') });
    expect(outcome.reason).toContain('not marked bounced');
    expect(email).toEqual({ status: 'sent', last_error: null });
  });

  it('a report about our reply marks that reply bounced, not the earlier emails its quoted References name', async () => {
    const carla = await carlasTicket();
    await postStaffMessage(ctx, admin, carla.ticket.id, { kind: 'reply', body: 'Unplug it.', close: false, seen: null, channel: 'web' });
    const replyRow = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', carla.ticket.id).where('kind', '=', 'reply').executeTakeFirstOrThrow();
    await db().updateTable('outbox').set({ status: 'sent', sent_at: ctx.clock.now() }).where('ticket_id', '=', carla.ticket.id).execute();
    const replyId = messageIdFor(replyRow, SETTING.mailFrom);
    // The returned mail's header, as the report quotes it: our reply, answering our created email.
    const text = fixture('dsn-bounce', { ...carla.values, ourId: replyId })
      .toString('latin1')
      .replace('<20261127090209.4XyZ1k2LmNz9tQ@mx.helpdesk.test>', '<reply.report@mx.helpdesk.test>')
      .replace(`Message-ID: ${replyId}`, `Message-ID: ${replyId}\r\nIn-Reply-To: ${carla.values.ourId}\r\nReferences: ${carla.values.ourId}`);
    const outcome = await ingest(Buffer.from(text, 'latin1'));
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: carla.ticket.id, reason: expect.stringContaining(`Email #${replyRow.id} marked bounced.`) });
    const statuses = await db().selectFrom('outbox').select(['id', 'status']).where('ticket_id', '=', carla.ticket.id).orderBy('id').execute();
    expect(statuses).toEqual([
      { id: carla.outboxId, status: 'sent' },
      { id: replyRow.id, status: 'bounced' },
    ]);
  });

  it('a delivery report about an email not sent yet changes nothing', async () => {
    const carla = await carlasTicket();
    const raw = Buffer.from(fixture('dsn-bounce', carla.values).toString('latin1').replace('<20261127090209.4XyZ1k2LmNz9tQ@mx.helpdesk.test>', '<second.report@mx.helpdesk.test>'), 'latin1');
    const outcome = await ingest(raw);
    expect(outcome).toMatchObject({ result: 'bounce', ticketId: null, reason: expect.stringContaining('It names no email of ours that was sent.') });
    expect((await firstEmail(carla.ticket.id)).status).toBe('pending');
  });

  for (const [name, header] of [
    ['out-of-office', 'Auto-Submitted: auto-replied'],
    ['exchange-autoreply', 'X-Auto-Response-Suppress: All'],
  ] as const) {
    it(`${name}: shown on the open ticket, marked automatic, whose turn it is unchanged, no email`, async () => {
      const carla = await carlasTicket();
      await postStaffMessage(ctx, admin, carla.ticket.id, { kind: 'reply', body: 'Have you tried new toner?', close: false, seen: null, channel: 'web' });
      expect((await ticketOf(carla.ticket.id)).waiting_on).toBe('customer');
      const emails = await emailCount();
      const outcome = await ingest(fixture(name, carla.values));
      expect(outcome).toMatchObject({ result: 'ignored', ticketId: carla.ticket.id, reason: expect.stringContaining(header) });
      expect(outcome.reason).toContain('Shown on its ticket.');
      const shown = (await messagesOf(carla.ticket.id)).at(-1)!;
      expect(shown).toMatchObject({ kind: 'customer', channel: 'email', automatic: 1 });
      expect(shown.body).toMatch(/out of the office|on leave/);
      expect((await ticketOf(carla.ticket.id)).waiting_on).toBe('customer');
      expect(await emailCount()).toBe(emails);
    });
  }

  for (const [name, reason] of [
    ['autoresponder-x-autoreply', /X-Autoreply: yes/],
    ['mailing-list', /Precedence: bulk/],
    ['own-mail-loop', /Our own mail came back/],
  ] as const) {
    it(`${name}: ignored, nothing written but its log row`, async () => {
      const carla = await carlasTicket();
      const before = { rows: await snapshot(db()), counts: await writeCounts(db()) };
      const outcome = await ingest(fixture(name, carla.values));
      expect(outcome).toMatchObject({ result: 'ignored', ticketId: null, reason: expect.stringMatching(reason) });
      expect({ rows: await snapshot(db()), counts: await writeCounts(db()) }).toEqual(before);
      if (name === 'own-mail-loop') expect((await ingest(fixture(name, carla.values))).result).toBe('ignored');
    });
  }

  it('our own mail too large to read: still ignored (rule 1 before rule 7), with only its header kept', async () => {
    const carla = await carlasTicket();
    const raw = fixture('own-mail-loop', carla.values);
    const outcome = await ingestMail(ctx, intake, { ...SETTING, maxBytes: raw.length - 1 }, raw, 'pipe');
    expect(outcome).toMatchObject({ result: 'ignored', ticketId: null, reason: expect.stringMatching(/Our own mail came back/) });
    const logged = await db().selectFrom('inbound_mails').select(['mail_key', 'raw']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(logged.mail_key).toBe(carla.values.ourId);
    expect(Buffer.from(logged.raw).toString()).not.toContain('An agent will answer soon');
    expect((await ingest(raw)).result).toBe('ignored');
  });

  it('broken MIME: a ticket with what could be read, and the file that was there', async () => {
    const { outcome } = await ingestFixture('broken-mime');
    const { ticket, message } = await created(outcome);
    expect(ticket.customer_email).toBe('bruno@broken.example');
    expect(ticket.description).toContain('The printer shows ✓ then =ZZ and stops.');
    expect((await filesOf(message.id)).map((f) => f.filename)).toEqual(['log.bin']);
  });

  it.each<[string, Partial<TicketRow>, string]>([
    ['latin1-8bit-no-charset', { customer_name: 'Gérard Durand', title: 'Imprimante du café en panne' }, 'Grüße an das Team, ça coûte 15 £ par jour.'],
    ['windows-1252', { customer_name: "Olivia O'Brien", title: 'Invoice query' }, 'Hi – the invoice says “€ 49,90” but the quote said € 39,90…'],
    ['utf7', { customer_name: 'Old Express User', title: 'Cafe printer' }, 'The café printer costs €5 a day ✓ and prints "Grüße".'],
    ['subject-utf8-base64', { customer_name: 'Jürgen Müller', title: 'Rechnung für März ✓ – bitte prüfen' }, 'Die Rechnung für März ist doppelt angekommen.'],
    ['subject-latin1-qp', { customer_name: 'Renée Lefèvre', title: "Café fermé : l'imprimante est cassée" }, "L'imprimante du café est cassée depuis lundi."],
    ['html-only', { customer_name: 'Hanna Html', title: 'Cannot log in' }, 'I cannot log in since the update — the page says «Session expired».'],
  ])('%s: a ticket with every character right', async (name, fields, text) => {
    const { outcome } = await ingestFixture(name);
    const { ticket } = await created(outcome);
    expect(ticket).toMatchObject(fields);
    expect(ticket.description).toContain(text);
    expect(ticket.description).not.toMatch(/\uFFFD|<[a-z]/);
  });

  it('multipart/related with an inline image and a PDF: both stored on the first message, names, types and sizes kept', async () => {
    const { outcome } = await ingestFixture('related-inline-image-and-pdf');
    const { ticket, message } = await created(outcome);
    expect(ticket.customer_email).toBe('carla@example.com');
    const files = await filesOf(message.id);
    expect(files.map((f) => ({ filename: f.filename, content_type: f.content_type, size: f.size, stored: Buffer.from(f.content).length }))).toEqual([
      { filename: 'screenshot.png', content_type: 'image/png', size: 70, stored: 70 },
      { filename: 'Rechnung März.pdf', content_type: 'application/pdf', size: 142, stored: 142 },
    ]);
    expect(Buffer.from(files[1]!.content).toString('latin1')).toMatch(/^%PDF-1\.4/);
  });

  it('a signature of many inline images does not crowd out the files the customer attached: over ten files, inline images are left out first', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const icons = Array.from({ length: 9 }, (_, i) => [
      '--rel',
      `Content-Type: image/png; name="icon${i}.png"`,
      `Content-Disposition: inline; filename="icon${i}.png"`,
      `Content-ID: <icon${i}@sig>`,
      'Content-Transfer-Encoding: base64',
      '',
      png.toString('base64'),
    ]);
    const pdfs = ['invoice.pdf', 'contract.pdf'].flatMap((name) => ['--mixed', `Content-Type: application/pdf; name="${name}"`, `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '', Buffer.from(`%PDF-1.4 ${name}`).toString('base64')]);
    const raw = [
      'From: Eve Colleague <eve@other.example>',
      'To: support@helpdesk.test',
      'Subject: Printer on fire',
      'Message-ID: <signature.icons.1@other.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="mixed"',
      '',
      '--mixed',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>Both papers attached.</p>${Array.from({ length: 9 }, (_, i) => `<img src="cid:icon${i}@sig">`).join('')}`,
      ...icons.flat(),
      '--rel--',
      ...pdfs,
      '--mixed--',
      '',
    ].join('\r\n');
    const outcome = await ingest(Buffer.from(raw));
    const { message } = await created(outcome);
    const names = (await filesOf(message.id)).map((f) => f.filename);
    expect(names).toHaveLength(10);
    expect(names).toEqual(expect.arrayContaining(['invoice.pdf', 'contract.pdf']));
    expect(message.body).toContain('icon8.png (more than 10 files)');
  });

  it('a reply of only a photo (the phone adds its signature and our quoted email): the photo on the ticket, no text, not our email', async () => {
    const carla = await carlasTicket();
    const raw = [
      'From: Carla Customer <carla@example.com>',
      'To: support@helpdesk.test',
      `Subject: Re: [HD-${carla.ticket.id}] Printer on fire`,
      'Message-ID: <photo.only.1@example.com>',
      `In-Reply-To: ${carla.values.ourId}`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain; charset=utf-8',
      '',
      '',
      'Sent from my iPhone',
      '',
      '> On 1 Dec 2026, at 10:00, Helpdesk <support@helpdesk.test> wrote:',
      '> ',
      '> We received your request. Follow it at http://helpdesk.test/tickets/status/secret/',
      '--m',
      'Content-Type: image/jpeg; name="IMG_0042.jpg"',
      'Content-Disposition: attachment; filename="IMG_0042.jpg"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('not really a jpeg').toString('base64'),
      '--m--',
      '',
    ].join('\r\n');
    expect(await ingest(Buffer.from(raw))).toMatchObject({ result: 'appended', ticketId: carla.ticket.id });
    const message = (await messagesOf(carla.ticket.id)).at(-1)!;
    expect(message.body).toBe('(no text)');
    expect((await filesOf(message.id)).map((f) => f.filename)).toEqual(['IMG_0042.jpg']);
  });

  it('a Message-ID with a comment (added by a mail server) is the mail\'s key: delivered again by another way, a duplicate; answers to it find its ticket', async () => {
    const mail = (extra: string[]) =>
      Buffer.from([...extra, 'From: Gus <gus@legacy.example>', 'To: support@helpdesk.test', 'Subject: Scanner offline', 'Message-ID: <20261201100000.1234@legacy.example> (added by postmaster@legacy.example)', '', 'It is offline.', ''].join('\r\n'));
    const first = await ingest(mail(['Received: from mx1.legacy.example by mx.helpdesk.test; Tue, 1 Dec 2026 10:00:01 +0000']));
    expect(first.result).toBe('created');
    const again = await ingest(mail(['Delivered-To: support@helpdesk.test', 'Received: from mx2.legacy.example by mx.helpdesk.test; Tue, 1 Dec 2026 10:00:02 +0000']));
    expect(again).toMatchObject({ result: 'duplicate', ticketId: first.ticketId });
    const answer = ['From: Gus <gus@legacy.example>', 'To: support@helpdesk.test', 'Subject: Re: Scanner offline', 'Message-ID: <gus.2@legacy.example>', 'In-Reply-To: <20261201100000.1234@legacy.example>', '', 'Still offline.', ''];
    expect(await ingest(Buffer.from(answer.join('\r\n')))).toMatchObject({ result: 'appended', ticketId: first.ticketId });
  });

  it('a mail without Message-ID: known by its hash, a duplicate when it comes again', async () => {
    const raw = fixture('no-message-id');
    const outcome = await ingest(raw);
    expect(outcome.result).toBe('created');
    await created(outcome);
    const logged = await db().selectFrom('inbound_mails').select(['mail_key', 'source', 'from_address']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(logged).toEqual({ mail_key: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), source: 'pipe', from_address: 'frank@legacy.example' });
    expect(await ingest(raw)).toMatchObject({ result: 'duplicate', ticketId: outcome.ticketId });
  });

  it('an 11 MB mail over a 10 MB limit: its ticket opened from its header, saying its text and files were not read; only its header kept', async () => {
    const raw = hugeMail(11 * 1024 * 1024);
    expect(raw.length).toBeGreaterThan(11 * 1024 * 1024);
    const outcome = await ingest(raw);
    expect(outcome).toMatchObject({ result: 'created', reason: expect.stringMatching(/^Larger than 10,485,760 bytes \(INBOUND_MAX_BYTES\): [\d,]+ bytes; read from its header only/) });
    const { ticket, message } = await created(outcome);
    expect(ticket).toMatchObject({ customer_name: 'Carla Customer', customer_email: 'carla@example.com', title: 'The scan you asked for' });
    expect(ticket.description).toBe("[This mail was 11 MB, over the help desk's limit of 10 MB, so its text and files were not read. Please send the text again, with smaller files or links to them.]");
    expect(await filesOf(message.id)).toEqual([]);
    const logged = await db().selectFrom('inbound_mails').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(logged).toMatchObject({ mail_key: '<huge.scan.1@example.com>', from_address: 'carla@example.com', subject: 'The scan you asked for', size: raw.length, result: 'created', ticket_id: ticket.id });
    expect(Buffer.from(logged.raw).toString()).toMatch(/^From: Carla Customer <carla@example\.com>\r\n[\s\S]*boundary="b"$/);
    const before = { rows: await snapshot(db()), counts: await writeCounts(db()) };
    expect((await ingest(raw)).result).toBe('duplicate');
    expect({ rows: await snapshot(db()), counts: await writeCounts(db()) }).toEqual(before);
  });

  it('an over-size answer goes onto its ticket with the note; an over-size auto-reply or own-address mail opens nothing', async () => {
    const carla = await carlasTicket();
    const answer = hugeMail(11 * 1024 * 1024, [`Message-ID: <huge.answer.${dialect}@example.com>`, `In-Reply-To: ${carla.values.ourId}`, 'Subject: Re: Printer on fire']);
    const outcome = await ingest(answer);
    expect(outcome).toMatchObject({ result: 'appended', ticketId: carla.ticket.id, reason: expect.stringContaining('read from its header only') });
    expect((await messagesOf(carla.ticket.id)).map((m) => m.body)).toEqual(['It is on fire.', expect.stringMatching(/^\[This mail was 11 MB, over the help desk's limit of 10 MB/)]);

    const before = { rows: await snapshot(db()), counts: await writeCounts(db()) };
    const automatic = hugeMail(11 * 1024 * 1024, [`Message-ID: <huge.auto.${dialect}@example.com>`, 'Auto-Submitted: auto-replied', 'Subject: Out of office']);
    expect(await ingest(automatic)).toMatchObject({ result: 'ignored', ticketId: null, reason: expect.stringContaining('Automatic mail') });
    const own = hugeMail(11 * 1024 * 1024, [`Message-ID: <huge.own.${dialect}@example.com>`], 'Helpdesk <SUPPORT@helpdesk.test>');
    expect(await ingest(own)).toMatchObject({ result: 'ignored', ticketId: null, reason: expect.stringContaining("help desk's own address") });
    expect({ rows: await snapshot(db()), counts: await writeCounts(db()) }).toEqual(before);
  });

  it('with the default limit (25 MB), a mail carrying a 10 MB file (14 MB as base64) is read whole and keeps its file', async () => {
    const file = Buffer.alloc(10 * 1024 * 1024, 7);
    const raw = Buffer.from(
      [
        'From: Carla Customer <carla@example.com>',
        'Subject: The video',
        `Message-ID: <video.${dialect}@example.com>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Here it is.',
        '--b',
        'Content-Type: video/mp4; name="problem.mp4"',
        'Content-Disposition: attachment; filename="problem.mp4"',
        'Content-Transfer-Encoding: base64',
        '',
        file.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect(raw.length).toBeGreaterThan(SETTING.maxBytes);
    expect(raw.length).toBeLessThan(DEFAULT_INBOUND_SETTING.maxBytes);
    const outcome = await ingestMail(ctx, intake, { ...DEFAULT_INBOUND_SETTING, mailFrom: SETTING.mailFrom }, raw, 'pipe');
    expect(outcome).toMatchObject({ result: 'created', reason: null });
    const { ticket, message } = await created(outcome);
    expect(ticket.description).toBe('Here it is.');
    expect((await filesOf(message.id)).map((f) => [f.filename, f.content_type, f.size])).toEqual([['problem.mp4', 'video/mp4', file.length]]);
  });

  it('what no database can store (NUL in encoded words, headers, a part type) and numbers past any id: a result, never an error', async () => {
    const carla = await carlasTicket();
    const mail = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');
    const outcome = await ingest(
      mail([
        'From: =?UTF-8?B?Q2FyAGxh?= <carla@example.com>',
        'Subject: =?UTF-8?B?AA==?=[HD-99999999999] toner',
        'Message-ID: <nul.1@example.com>',
        `References: <hd-${carla.ticket.id}.outbox-999999999999999.0123456789abcdef@helpdesk.test> <outbox-99999999999.0123456789abcdef@helpdesk.test>`,
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b\r\nContent-Type: text/plain\r\n\r\nToner\u0000 low',
        '--b\r\nContent-Type: image/p\u0000ng\r\nContent-Disposition: attachment; filename="a.png"\r\n\r\nxx',
        '--b--\r\n',
      ]),
    );
    expect(outcome.result).toBe('created');
    const { ticket, message } = await created(outcome);
    expect(ticket).toMatchObject({ customer_name: 'Carla', title: 'toner', description: 'Toner low' });
    expect((await filesOf(message.id)).map((f) => f.content_type)).toEqual(['image/png']);
    const automatic = await ingest(mail(['From: carla@example.com', 'Auto-Submitted: auto-replied\u0000', 'Message-ID: <nul.2@example.com>', '', 'Away']));
    expect(automatic).toMatchObject({ result: 'ignored', reason: expect.stringContaining('(Auto-Submitted: auto-replied)') });
    const bounce = await ingest(mail(['From: MAILER-DAEMON@mx.example.com', 'Message-ID: <nul.3@example.com>', '', 'Status: 5.0.0\u0000', 'Diagnostic-Code: smtp; 550\u0000 no']));
    expect(bounce).toMatchObject({ result: 'bounce', reason: 'Status 5.0.0: smtp; 550 no It names no email of ours that was sent.' });
    const large = mail(['From: Carla <carla\u0000@example.com>', 'Subject: big\u0000 scan', 'Message-ID: <big\u0000@example.com>', '', 'A'.repeat(300)]);
    const headerOnly = await ingestMail(ctx, intake, { ...SETTING, maxBytes: 200 }, large, 'pipe');
    expect(headerOnly).toMatchObject({ result: 'created', reason: expect.stringContaining('read from its header only') });
    const logged = await db().selectFrom('inbound_mails').select(['mail_key', 'from_address', 'subject']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(logged).toEqual({ mail_key: expect.stringMatching(/^sha256:/), from_address: 'carla@example.com', subject: 'big scan' });
  });
}
