/**
 * The admin side of the email channel (§10, §6), on real databases through the real pipeline
 * (ingestMail, as IMAP, HTTP and the pipe call it): the inbound log at /admin/inbound/ with its
 * filters and keyset pages, the original of a mail and its raw download, a bounced email at
 * /admin/emails/ and on the dashboard, and the priority of tickets from email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { messageIdFor } from '../../src/mail/message.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { loadSettings } from '../../src/repositories/settings.js';
import { DEFAULT_INBOUND_SETTING, type InboundOutcome } from '../../src/services/inbound.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { runScript } from '../support/process.js';
import { startSmtpServer } from '../mail/support/smtp.js';
import { memoryLogger } from '../mail/support/testbed.js';
import { ingest, rawMail } from './mail.js';
import { adminClient, agentClient, cellOf, rowIds, rowOf, visibleText } from './support.js';

const HOUR = 3_600_000;
const MAIL_FROM = DEFAULT_INBOUND_SETTING.mailFrom;
const SETTINGS_FORM = { sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '5', queue_order: 'oldest' };

/** The pager's link (`next` or `prev`), as a URL to request. */
function pagerLink(body: string, rel: 'next' | 'prev'): string {
  const href = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(body)?.[1];
  if (!href) throw new Error(`no ${rel} link`);
  return href.replace(/&amp;/g, '&');
}
function kpi(body: string, name: string): string {
  const match = new RegExp(`data-kpi="${name.replace(/\./g, '\\.')}"[^>]*>([^<]*)<`).exec(body);
  if (!match) throw new Error(`no figure ${name}`);
  return match[1]!;
}

/** A delivery status report (RFC 3464) about the email with `messageId`, as a mail server sends one. */
function deliveryReport(messageId: string): Buffer {
  const lines = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.com>',
    'To: support@helpdesk.test',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <dsn.${Date.now()}@mx.example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
    '',
    '--dsn',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Your message could not be delivered.',
    '--dsn',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.com',
    '',
    'Final-Recipient: rfc822; carla@example.com',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 <carla@example.com>: Recipient address rejected',
    '--dsn',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Helpdesk <helpdesk@localhost>',
    'To: carla@example.com',
    `Message-ID: ${messageId}`,
    '--dsn--',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

for (const dialect of DIALECTS) {
  describe(`the inbound log and the email figures (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const clock = new FakeClock();
    const db = () => t.ctx.handle.db;
    /** What the pipeline answered for each mail of this suite, to count them back. */
    const outcomes: InboundOutcome[] = [];
    let created: InboundOutcome;
    let ignored: InboundOutcome;
    let appended: InboundOutcome;
    let rejected: InboundOutcome;
    let pendingId: number;

    const received = async (...args: Parameters<typeof ingest>) => {
      const outcome = await ingest(...args);
      outcomes.push(outcome);
      clock.advance(60_000);
      return outcome;
    };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      admin = (await adminClient(t)).client;
      await addStaff(t.ctx, 'alice');
    });
    afterAll(() => t.close());

    it('lists every mail newest first: time, source, sender, subject, result, reason and ticket', async () => {
      created = await received(t.ctx, rawMail({ from: 'Carla Customer <Carla@Example.com>', subject: 'Printer on fire' }), 'imap');
      ignored = await received(t.ctx, rawMail({ from: 'Dan <dan@example.com>', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }), 'pipe');
      appended = await received(t.ctx, rawMail({ from: 'carla@example.com', subject: `Re: [${referenceOf(created.ticketId!)}] Printer on fire`, text: 'Still burning.' }), 'http');
      rejected = await received(t.ctx, rawMail({ from: null, subject: 'Who am I' }), 'http');
      expect([created, ignored, appended, rejected].map((o) => o.result)).toEqual(['created', 'ignored', 'appended', 'rejected']);

      const page = await admin.get('/admin/inbound/');
      expect(page.statusCode).toBe(200);
      expect(rowIds(page.body)).toEqual([rejected, appended, ignored, created].map((o) => o.mailId));
      const first = rowOf(page.body, created.mailId);
      expect(first).toContain(`<time datetime="${new Date(clock.now() - 4 * 60_000).toISOString()}"`);
      expect(cellOf(first, 'Source')).toBe('IMAP');
      expect(first).toContain('Carla Customer <small>&lt;carla@example.com></small>');
      expect(cellOf(first, 'Subject')).toBe(`<a href="/admin/inbound/${created.mailId}/"><span class="clamp" title="Printer on fire">Printer on fire</span></a>`);
      expect(first).toContain('data-result="created"');
      expect(first).toContain(`<a href="/admin/tickets/${created.ticketId}/">${referenceOf(created.ticketId!)}</a>`);
      const auto = rowOf(page.body, ignored.mailId);
      expect(cellOf(auto, 'Source')).toBe('Pipe');
      expect(auto).toContain('data-result="ignored"');
      expect(auto).toContain('Automatic mail (Auto-Submitted: auto-replied): no ticket, no email.');
      expect(cellOf(auto, 'Ticket')).toBe('—');
      expect(rowOf(page.body, appended.mailId)).toContain(`>${referenceOf(created.ticketId!)}</a>`);
      expect(rowOf(page.body, rejected.mailId)).toContain('(no sender)');
      expect(rowOf(page.body, rejected.mailId)).toContain('Unreadable: no valid sender address in From.');
      // The data browser's index and the admin pages lead to it.
      expect((await admin.get('/admin/')).body).toContain('<a href="/admin/inbound/">');
    });

    it('filters by result (any letter case, `pending` while being handled), by sender and by search; bad filters are refused', async () => {
      const shown = async (query: string) => {
        const response = await admin.get(`/admin/inbound/?${query}`);
        expect(response.statusCode, query).toBe(200);
        return rowIds(response.body);
      };
      expect(await shown('result=CREATED')).toEqual([created.mailId]);
      expect(await shown('result=appended')).toEqual([appended.mailId]);
      expect(await shown('result=bounce')).toEqual([]);
      expect(await shown('sender=CARLA@example.com')).toEqual([appended.mailId, created.mailId]);
      expect(await shown('sender=carla@example.com&result=appended')).toEqual([appended.mailId]);
      expect(await shown('sender=carla@example.com&result=pending')).toEqual([]);
      expect(await shown('q=OFFICE')).toEqual([ignored.mailId]);
      expect(await shown('q=example.com&result=created')).toEqual([created.mailId]);

      // A row without a result (the pipeline never leaves one: its row commits with its result; a
      // row written by hand or by an older version is shown, not hidden).
      const claim = await db().insertInto('inbound_mails').values({
        mail_key: `<claimed.${dialect}@customer.example>`,
        source: 'imap',
        from_address: 'erin@example.com',
        from_name: 'Erin',
        subject: 'Just arrived',
        result: null,
        reason: null,
        ticket_id: null,
        size: 10,
        raw: Buffer.from('Subject: Just arrived\r\n\r\nHi'),
        received_at: clock.now(),
        handled_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      pendingId = claim.id;
      expect(await shown('result=Pending')).toEqual([pendingId]);
      expect(await shown('sender=erin@example.com&result=pending')).toEqual([pendingId]);
      expect(rowOf((await admin.get('/admin/inbound/')).body, pendingId)).toContain('Being handled');

      const kept = await admin.get('/admin/inbound/?sender=carla@example.com&result=created');
      expect(kept.body).toMatch(/name="sender"[^>]*value="carla@example.com"/);
      expect(kept.body).toMatch(/<option value="created" selected/);
      for (const query of ['result=lost', 'sender=not%20an%20address', `q=${'x'.repeat(201)}`, 'per_page=0', 'after=abc']) {
        const response = await admin.get(`/admin/inbound/?${query}`);
        expect(response.statusCode, query).toBe(400);
        expect(response.body, query).toContain('Some filters are not valid');
        expect(rowIds(response.body), query).toEqual([]);
      }
    });

    it('pages newest first by keyset, the filters kept in the pager’s links', async () => {
      const all = rowIds((await admin.get('/admin/inbound/?per_page=200')).body);
      expect(all).toEqual([...all].sort((a, b) => b - a));
      expect(all.length).toBe(5);
      const first = await admin.get('/admin/inbound/?per_page=2');
      expect(rowIds(first.body)).toEqual(all.slice(0, 2));
      expect(first.body).not.toContain('rel="prev"');
      const second = await admin.get(pagerLink(first.body, 'next'));
      expect(rowIds(second.body)).toEqual(all.slice(2, 4));
      const third = await admin.get(pagerLink(second.body, 'next'));
      expect(rowIds(third.body)).toEqual(all.slice(4));
      expect(third.body).not.toContain('rel="next"');
      expect(rowIds((await admin.get(pagerLink(third.body, 'prev'))).body)).toEqual(all.slice(2, 4));

      const carla = await admin.get('/admin/inbound/?sender=carla@example.com&per_page=1');
      expect(rowIds(carla.body)).toEqual([appended.mailId]);
      const next = pagerLink(carla.body, 'next');
      expect(next).toContain('sender=carla%40example.com');
      expect(rowIds((await admin.get(next)).body)).toEqual([created.mailId]);
    });

    it('shows the original: headers and the whole text, escaped, HTML never rendered; the raw .eml downloads as a file', async () => {
      const text = `${Array.from({ length: 3000 }, (_, i) => `Line ${i} of a very long log that the customer pasted.`).join('\n')}\nEND OF THE LOG`;
      expect(text.length).toBeGreaterThan(50_000);
      const raw = rawMail({
        from: 'Fay <fay@example.com>',
        subject: 'Long log',
        text,
        html: '<p>Long <b>log</b></p><script>alert("html part")</script>',
        files: [{ filename: 'error.log', contentType: 'text/plain', content: Buffer.from('stack trace\n') }],
      });
      const long = await received(t.ctx, raw, 'imap');
      expect(long.result).toBe('created');
      // The thread is cut (§10 Content); the original is whole.
      const ticket = await db().selectFrom('tickets').select('description').where('id', '=', long.ticketId!).executeTakeFirstOrThrow();
      expect(ticket.description).not.toContain('END OF THE LOG');

      const page = await admin.get(`/admin/inbound/${long.mailId}/`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('END OF THE LOG');
      expect(page.body).toContain('Line 2999 of a very long log');
      expect(page.body).not.toContain('<script>alert');
      expect(page.body).not.toContain('<b>log</b>');
      expect(page.body).toMatch(/<th scope="row">Message-Id<\/th><td class="description">&lt;m\d+\.\d+@customer\.example><\/td>/);
      expect(page.body).toContain('<th scope="row">From</th><td class="description">Fay &lt;fay@example.com></td>');
      expect(page.body).toContain('<th scope="row">Subject</th><td class="description">Long log</td>');
      expect(page.body).toMatch(/<tr><td>error\.log<\/td><td>text\/plain<\/td><td>12 bytes<\/td><\/tr>/);
      expect(page.body).toContain(`href="/admin/tickets/${long.ticketId}/"`);
      expect(page.body).toContain(`href="/admin/inbound/${long.mailId}/raw.eml"`);
      expect(visibleText(page)).toContain('New ticket from Fay <fay@example.com>');

      // An HTML-only mail: its text, read from the HTML; its markup shown as nothing but text.
      const htmlOnly = await received(t.ctx, rawMail({ from: 'gus@example.com', subject: 'HTML only', html: '<p>Hello <i>there</i></p><img src=x onerror=alert(1)>' }), 'http');
      const htmlPage = await admin.get(`/admin/inbound/${htmlOnly.mailId}/`);
      expect(htmlPage.body).toMatch(/id="inbound-text">Hello there/);
      expect(htmlPage.body).not.toMatch(/<img src=x|<i>there/);

      const download = await admin.get(`/admin/inbound/${long.mailId}/raw.eml`);
      expect(download.statusCode).toBe(200);
      expect(download.headers['content-type']).toBe('message/rfc822');
      expect(download.headers['content-disposition']).toBe(`attachment; filename="mail-${long.mailId}.eml"; filename*=UTF-8''mail-${long.mailId}.eml`);
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(download.headers['cache-control']).toBe('no-store');
      expect(download.rawPayload.equals(raw)).toBe(true);

      for (const url of ['/admin/inbound/999999/', '/admin/inbound/abc/', '/admin/inbound/999999/raw.eml', '/admin/inbound/0/raw.eml']) {
        expect((await admin.get(url)).statusCode, url).toBe(404);
      }
    });

    it('a mail over the limit opens its ticket from its header, keeps only its header, and its original says so', async () => {
      const raw = rawMail({ from: 'hal@example.com', subject: 'Huge scan', text: 'x'.repeat(5000) });
      const big = await received(t.ctx, raw, 'pipe', { ...DEFAULT_INBOUND_SETTING, maxBytes: 2000 });
      expect(big.result).toBe('created');
      expect(big.reason).toMatch(/^Larger than 2,000 bytes \(INBOUND_MAX_BYTES\): \d[\d,]+ bytes; read from its header only/);
      const ticket = await db().selectFrom('tickets').select(['title', 'customer_email', 'description']).where('id', '=', big.ticketId!).executeTakeFirstOrThrow();
      expect(ticket).toEqual({ title: 'Huge scan', customer_email: 'hal@example.com', description: expect.stringMatching(/^\[This mail was 5 kB, over the help desk's limit of 2 kB, so its text and files were not read/) });
      const page = await admin.get(`/admin/inbound/${big.mailId}/`);
      expect(page.statusCode).toBe(200);
      expect(visibleText(page)).toContain('only its header was kept');
      expect(page.body).toContain('<th scope="row">Subject</th><td class="description">Huge scan</td>');
      expect(page.body).toMatch(/id="inbound-text">\(no text\)/);
      const download = await admin.get(`/admin/inbound/${big.mailId}/raw.eml`);
      expect(download.rawPayload.length).toBeLessThan(raw.length);
      expect(download.body).toContain('Subject: Huge scan');
      expect(download.body).not.toContain('xxxx');
    });

    it('a bounced email shows at /admin/emails/ with its reason and is counted on the dashboard, /admin/ and /metrics', async () => {
      // Carla's `created` email goes out through a mail server, then her server reports it undeliverable.
      const smtp = await startSmtpServer();
      const worker = new OutboxWorker({ handle: t.ctx.handle, mailer: createSmtpMailer(smtp.url), clock, from: MAIL_FROM, logger: memoryLogger(), batchSize: 50 });
      while ((await worker.runOnce()).claimed > 0);
      await smtp.close();
      const email = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', created.ticketId!).where('kind', '=', 'created').executeTakeFirstOrThrow();
      expect(email.status).toBe('sent');
      const bounce = await received(t.ctx, deliveryReport(messageIdFor(email, MAIL_FROM)), 'imap');
      expect(bounce).toMatchObject({ result: 'bounce', ticketId: created.ticketId });
      const reason = 'Status 5.1.1: smtp; 550 5.1.1 <carla@example.com>: Recipient address rejected';
      expect((await db().selectFrom('outbox').select(['status', 'last_error']).where('id', '=', email.id).executeTakeFirstOrThrow())).toEqual({ status: 'bounced', last_error: reason });

      const bounced = await admin.get('/admin/emails/?status=BOUNCED');
      expect(bounced.statusCode).toBe(200);
      expect(rowIds(bounced.body)).toEqual([email.id]);
      const row = rowOf(bounced.body, email.id);
      expect(row).toContain('<span class="badge sla-breached">bounced</span>');
      expect(row).toContain('550 5.1.1 &lt;carla@example.com>: Recipient address rejected');
      expect(bounced.body).toMatch(/<option value="bounced" selected/);
      expect(rowOf((await admin.get('/admin/emails/')).body, email.id)).toContain('Recipient address rejected');
      const detail = await admin.get(`/admin/emails/${email.id}/`);
      expect(visibleText(detail)).toContain('Why it bounced');
      expect(detail.body).toMatch(/id="last-error">Status 5\.1\.1: smtp; 550/);
      expect(detail.body).not.toContain('Retry sending');
      const log = rowOf((await admin.get('/admin/inbound/?result=bounce')).body, bounce.mailId);
      expect(log).toContain(`Email #${email.id} marked bounced.`);
      expect(log).toContain(`href="/admin/tickets/${created.ticketId}/"`);

      // The dashboard: the outbox and the last 24 hours of mail, in the page and in its feed.
      const expected = { ignored: 0, duplicate: 0, bounce: 0, appended: 0, follow_up: 0, created: 0, rejected: 0, pending: 1 } as Record<string, number>;
      for (const o of outcomes) expected[o.result]! += 1;
      expect(expected).toMatchObject({ created: 4, ignored: 1, appended: 1, rejected: 1, bounce: 1 });
      const dashboard = await admin.get('/adminapp/dashboard/');
      expect(kpi(dashboard.body, 'mail.outbox.bounced')).toBe('1');
      expect(kpi(dashboard.body, 'mail.outbox.failed')).toBe('0');
      for (const [result, n] of Object.entries(expected)) expect(kpi(dashboard.body, `mail.inbound_24h.${result}`), result).toBe(String(n));
      expect(kpi(dashboard.body, 'mail.inbound_24h.total')).toBe(String(outcomes.length + 1));
      const feed = (await admin.get('/adminapp/dashboard/data.json')).json();
      expect(feed.mail).toEqual({ outbox: { pending: expect.any(Number), sending: 0, failed: 0, bounced: 1 }, inbound_24h: { ...expected, total: outcomes.length + 1 } });
      expect(feed.total).toBe(4); // with the ticket the mail over the limit opened
      expect((await admin.get('/admin/')).body).toMatch(/data-section="emails">1 bounced/);
      expect((await admin.get('/metrics')).body).toMatch(/^helpdesk_outbox_emails\{status="bounced"\} 1$/m);

      // `npm run outbox -- --status bounced` lists it with its reason.
      const cli = await runScript('src/cli/outbox.ts', ['--status', 'bounced'], { DATABASE_URL: t.database.url });
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`^${email.id}\\s+bounced\\s+created\\b.*Recipient address rejected`, 'm'));
      // Its time is when it was sent (a bounced email has no next try).
      expect(cli.stdout).toContain(new Date(email.sent_at!).toISOString().replace('T', ' ').slice(0, 19));

      // A day later the mail figures are empty; the bounced email still counts.
      clock.advance(25 * HOUR);
      // (The session has idled out meanwhile.)
      admin = new Client(t.app);
      expect((await admin.login('root')).statusCode).toBe(303);
      const later = (await admin.get('/adminapp/dashboard/data.json')).json();
      expect(later.mail.inbound_24h.total).toBe(0);
      expect(later.mail.outbox.bounced).toBe(1);
    });

    it('the email priority setting: shown, saved (any letter case), validated, kept by forms without it, and given to new tickets from mail', async () => {
      const page = await admin.get('/adminapp/settings/');
      expect(page.body).toMatch(/<select id="email_priority" name="email_priority"[^>]*>[\s\S]*?<option value="medium" selected/);
      expect(visibleText(page)).toContain('Priority of tickets from email');

      const refused = await admin.submit('/adminapp/settings/', { ...SETTINGS_FORM, email_priority: 'urgent' });
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toMatch(/id="email_priority-error"[^>]*>Priority of tickets from email: choose high, medium or low/);
      expect((await loadSettings(db())).emailPriority).toBe('medium');

      expect((await admin.submit('/adminapp/settings/', { ...SETTINGS_FORM, email_priority: 'HIGH' })).statusCode).toBe(303);
      expect((await loadSettings(db())).emailPriority).toBe('high');
      expect((await admin.get('/adminapp/settings/')).body).toMatch(/name="email_priority"[\s\S]*?<option value="high" selected/);
      // A script posting the settings of before the email channel changes nothing else.
      expect((await admin.submit('/adminapp/settings/', { ...SETTINGS_FORM, default_capacity: '6' })).statusCode).toBe(303);
      expect(await loadSettings(db())).toMatchObject({ defaultCapacity: 6, emailPriority: 'high' });

      const mail = await received(t.ctx, rawMail({ from: 'Ida <ida@example.com>', subject: 'Server down' }), 'imap');
      expect(mail.result).toBe('created');
      const ticket = await db().selectFrom('tickets').select(['priority', 'title']).where('id', '=', mail.ticketId!).executeTakeFirstOrThrow();
      expect(ticket).toEqual({ priority: 'high', title: 'Server down' });
      expect((await admin.get(`/admin/tickets/${mail.ticketId}/`)).body).toContain('data-priority="high"');
    });

    it('is for admins only: agents get 403, anonymous visitors the login page', async () => {
      const agent = await agentClient(t, 'alice');
      const anonymous = new Client(t.app);
      for (const url of ['/admin/inbound/', `/admin/inbound/${created.mailId}/`, `/admin/inbound/${created.mailId}/raw.eml`]) {
        expect((await agent.get(url)).statusCode, url).toBe(403);
        const visitor = await anonymous.get(url);
        expect([visitor.statusCode, visitor.headers.location], url).toEqual([303, `/agents/login/?next=${encodeURIComponent(url)}`]);
      }
    });
  });
}
