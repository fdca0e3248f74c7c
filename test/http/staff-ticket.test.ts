/**
 * The staff ticket page and its reply form (SPEC §9, §1) through the real app on both engines:
 * who may see and write, what a reply, a note and reply-and-close write (messages, outbox rows),
 * the stale and closed refusals with the draft kept, bad input writing nothing, canned replies with
 * their placeholders filled and escaped, and paging of a long thread.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffAttachmentPath, staffTicketPath } from '../../src/http/links.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket, requeueTicket } from '../../src/services/admin.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { postCustomerMessage, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { newTicket, visibleText } from '../admin/support.js';
import { addStaff, Client, csrfFrom, seenFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { countRows } from '../files/counts.js';
import { postMultipart, TINY_PNG } from '../files/support.js';

const articleIds = (html: string) => [...html.matchAll(/<article class="message[^"]*" id="message-(\d+)"/g)].map((m) => Number(m[1]));

for (const dialect of DIALECTS) {
  describe(`staff ticket page (${dialect})`, () => {
    let t: TestApp;
    let ana: number;
    let rootId: number;
    let anaClient: Client;
    let benClient: Client;
    let rootClient: Client;
    const db = () => t.ctx.handle.db;

    const messagesOf = (id: number) => db().selectFrom('messages').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
    const outboxOf = (id: number) => db().selectFrom('outbox').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
    const written = async (id: number) => [(await messagesOf(id)).length, (await outboxOf(id)).length];

    /** A ticket waiting in the queue (every agent is away), or placed with `holder` by an admin (R6). */
    async function ticketFor(holder: 'ana' | 'ben' | null, fields: Partial<Record<'name' | 'email' | 'title' | 'description' | 'priority', string>> = {}): Promise<number> {
      const id = await newTicket(t.ctx, fields);
      if (holder) await reassignTicket(t.ctx, rootId, id, holder);
      return id;
    }

    /** Loads the page for its CSRF token and `seen`, then sends the form. */
    async function send(client: Client, id: number, fields: Record<string, string>): Promise<LightMyRequestResponse> {
      const page = await client.get(staffTicketPath(id));
      expect(page.statusCode).toBe(200);
      return client.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', seen: seenFrom(page.body) ?? '', ...fields, _csrf: csrfFrom(page.body) });
    }

    beforeAll(async () => {
      t = await startTestApp(dialect);
      ana = await addStaff(t.ctx, 'ana', { capacity: 50, displayName: 'Ana Agent' });
      const ben = await addStaff(t.ctx, 'ben', { capacity: 50 });
      rootId = await addStaff(t.ctx, 'root', { role: 'admin', displayName: 'Root Admin' });
      anaClient = new Client(t.app);
      benClient = new Client(t.app);
      rootClient = new Client(t.app);
      for (const [client, name] of [[anaClient, 'ana'], [benClient, 'ben'], [rootClient, 'root']] as const) expect((await client.login(name)).statusCode).toBe(303);
      // Away: logged in, but routing gives nobody a ticket, so each test places its own (R6).
      await changePresence(t.ctx, ana, 'away');
      await changePresence(t.ctx, ben, 'away');
    });
    afterAll(() => t.close());

    describe('who may open the page', () => {
      it('sends an anonymous visitor to the login page with next', async () => {
        const id = await ticketFor('ana');
        const response = await new Client(t.app).get(staffTicketPath(id));
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toBe(`/agents/login/?next=${encodeURIComponent(staffTicketPath(id))}`);
      });

      it('shows an agent its own ticket with the reply form, and a pending one with notes only', async () => {
        const own = await ticketFor('ana');
        const page = await anaClient.get(staffTicketPath(own));
        expect(page.statusCode).toBe(200);
        expect(page.body).toMatch(/<input type="radio" id="kind" name="kind" value="reply"/);
        expect(page.body).toContain('Reply and close');

        const pending = await ticketFor(null);
        const queued = await anaClient.get(staffTicketPath(pending));
        expect(queued.statusCode).toBe(200);
        expect(queued.body).toContain('<input type="hidden" name="kind" value="note"/>');
        expect(queued.body).not.toContain('value="reply"');
        expect(visibleText(queued)).toContain('Nobody yet: waiting in the queue');
      });

      it('hides another agent’s ticket (404, also for a POST, nothing written) and an unknown or malformed id', async () => {
        const bens = await ticketFor('ben');
        expect((await anaClient.get(staffTicketPath(bens))).statusCode).toBe(404);
        const before = await written(bens);
        const own = await ticketFor('ana');
        const page = await anaClient.get(staffTicketPath(own));
        const forged = await anaClient.post(`${staffTicketPath(bens)}messages/`, { kind: 'note', body: 'peeking', _csrf: csrfFrom(page.body) });
        expect(forged.statusCode).toBe(404);
        expect(await written(bens)).toEqual(before);
        expect((await anaClient.get('/agents/tickets/999999/')).statusCode).toBe(404);
        expect((await anaClient.get('/agents/tickets/abc/')).statusCode).toBe(404);
      });

      it('tells an agent who had the ticket where it went (403, not 404) and keeps the message it was sending, writing nothing', async () => {
        const id = await ticketFor('ana');
        const page = await anaClient.get(staffTicketPath(id));
        await reassignTicket(t.ctx, rootId, id, 'ben');
        const before = await written(id);
        const opened = await anaClient.get(staffTicketPath(id));
        expect(opened.statusCode).toBe(403);
        expect(visibleText(opened)).toContain(`No longer yours HD-${id} was moved to Ben by Root Admin.`);
        expect(opened.body).not.toContain('id="unsent"');
        const sent = await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'Here is the fix <b>now</b>', seen: seenFrom(page.body) ?? '', _csrf: csrfFrom(page.body) });
        expect(sent.statusCode).toBe(403);
        expect(visibleText(sent)).toContain('Your message was not sent');
        expect(sent.body).toMatch(/<textarea id="unsent"[^>]*>Here is the fix &lt;b>now&lt;\/b><\/textarea>/);
        expect(await written(id)).toEqual(before);
        // Sent back to the queue and taken by Ben: said so too.
        await reassignTicket(t.ctx, rootId, id, 'ana');
        await requeueTicket(t.ctx, rootId, id);
        await reassignTicket(t.ctx, rootId, id, 'ben');
        expect(visibleText(await anaClient.get(staffTicketPath(id)))).toContain(`HD-${id} was sent back to the queue by Root Admin. Ben has it now.`);
      });

      it('keeps a note written on a pending ticket that another agent took meanwhile (404, the text to copy), writing nothing', async () => {
        const id = await ticketFor(null);
        const page = await anaClient.get(staffTicketPath(id));
        await reassignTicket(t.ctx, rootId, id, 'ben');
        const before = await written(id);
        const sent = await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'note', body: 'Customer called: <b>urgent</b>', seen: seenFrom(page.body) ?? '', _csrf: csrfFrom(page.body) });
        // Still a ticket she may not see (404, nothing said about who has it), but her text is kept.
        expect(sent.statusCode).toBe(404);
        expect(visibleText(sent)).toContain('Your message was not sent');
        expect(visibleText(sent)).not.toContain('Ben');
        expect(sent.body).toMatch(/<textarea id="unsent"[^>]*>Customer called: &lt;b>urgent&lt;\/b><\/textarea>/);
        expect(await written(id)).toEqual(before);
        // The same answer for a ticket that never existed: the page tells nothing of other agents' tickets.
        const unknown = await anaClient.post('/agents/tickets/999999/messages/', { kind: 'note', body: 'x', _csrf: csrfFrom(page.body) });
        expect(unknown.statusCode).toBe(404);
        expect(visibleText(unknown)).toContain('Your message was not sent');
      });

      it('shows an agent its closed ticket with notes only, and an admin every ticket with the reply form', async () => {
        const id = await ticketFor('ana');
        await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
        const closed = await anaClient.get(staffTicketPath(id));
        expect(closed.statusCode).toBe(200);
        expect(closed.body).not.toContain('value="reply"');
        expect(visibleText(closed)).toContain('The ticket is closed, so no reply can be sent');

        const bens = await ticketFor('ben');
        const admin = await rootClient.get(staffTicketPath(bens));
        expect(admin.statusCode).toBe(200);
        expect(admin.body).toContain('value="reply"');
        expect(admin.body).toContain('Canned replies');
      });

      it('refuses a reply by an agent on a pending ticket (403) and a POST without CSRF token (403), writing nothing', async () => {
        const pending = await ticketFor(null);
        const before = await written(pending);
        expect((await send(anaClient, pending, { kind: 'reply', body: 'I am not its agent' })).statusCode).toBe(403);
        expect((await anaClient.post(`${staffTicketPath(pending)}messages/`, { kind: 'note', body: 'no token' })).statusCode).toBe(403);
        expect(await written(pending)).toEqual(before);
        // A note is allowed to anyone who sees the ticket.
        expect((await send(anaClient, pending, { kind: 'note', body: 'Looks like a printer issue.' })).statusCode).toBe(303);
      });
    });

    describe('what the page shows', () => {
      it('has the header, SLA clock, waiting-on, the live helper’s markup and the thread oldest first with notes set apart', async () => {
        const id = await ticketFor('ana', { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is on fire.', priority: 'high' });
        await postStaffMessage(t.ctx, { id: rootId, role: 'admin' }, id, { kind: 'note', body: 'Check the fuser.', close: false, seen: null, channel: 'web' });
        const page = await anaClient.get(staffTicketPath(id));
        const text = visibleText(page);
        const messages = await messagesOf(id);
        expect(text).toContain(`HD-${id}: Printer on fire`);
        expect(text).toContain('Carla Customer <carla@example.com>');
        expect(text).toContain('Ana Agent');
        expect(text).toContain('Your turn: waiting on you');
        expect(text).toMatch(/\d+ s left|\d+ min left/);
        expect(page.body).toContain('class="badge countdown');
        expect(page.body).toContain(`data-ticket-id="${id}"`);
        expect(page.body).toContain(`data-newest-message-id="${messages.at(-1)!.id}"`);
        expect(page.body).toContain('<section id="viewers" aria-live="polite"></section>');
        expect(page.body).toContain('<section id="thread"');
        expect(page.body).toContain('<form id="reply-form"');
        expect(page.body).toContain('src="/static/ticket-page.js"');
        expect(seenFrom(page.body)).toBe(String(messages.at(-1)!.id));
        expect(articleIds(page.body)).toEqual(messages.map((m) => m.id));
        expect(page.body).toMatch(/<article class="message message-note"[^>]*data-kind="note"/);
        expect(text).toMatch(/Internal note Root Admin .* via web/);
        expect(text.indexOf('It is on fire.')).toBeLessThan(text.indexOf('Check the fuser.'));
      });

      it('links a follow-up to the staff page of the ticket it follows, and the closed ticket to its follow-ups', async () => {
        const id = await ticketFor('ana');
        await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
        const old = (await findTicketById(db(), id))!;
        const result = await postCustomerMessage(t.ctx, old.token, { body: 'It is on fire again.', channel: 'web' });
        expect(result.kind).toBe('follow_up');
        const followUp = result.kind === 'follow_up' ? result.followUp : null;
        const page = await rootClient.get(staffTicketPath(followUp!.id));
        expect(page.body).toContain(`<a href="${staffTicketPath(id)}" id="follow-up-of">HD-${id}</a>`);
        const original = await rootClient.get(staffTicketPath(id));
        expect(original.body).toMatch(new RegExp(`<dd class="follow-ups-of"><a href="${staffTicketPath(followUp!.id)}">HD-${followUp!.id}</a></dd>`));
      });
    });

    describe('sending', () => {
      it('a reply is stored, emailed once (one outbox row) and waits on the customer; the page says so', async () => {
        const id = await ticketFor('ana');
        const emailsBefore = await outboxOf(id);
        const response = await send(anaClient, id, { kind: 'reply', body: 'Have you tried turning it off and on?' });
        expect(response.statusCode).toBe(303);
        expect(response.headers.location).toBe(staffTicketPath(id));
        const emails = (await outboxOf(id)).slice(emailsBefore.length);
        expect(emails.map((e) => e.kind)).toEqual(['reply']);
        expect(emails[0]!.text_body).toContain('Have you tried turning it off and on?');
        const last = (await messagesOf(id)).at(-1)!;
        expect([last.kind, last.author_name, last.channel, last.body]).toEqual(['reply', 'Ana Agent', 'web', 'Have you tried turning it off and on?']);
        expect((await findTicketById(db(), id))!.waiting_on).toBe('customer');
        const page = await anaClient.get(staffTicketPath(id));
        expect(visibleText(page)).toContain(`Reply sent to the customer of HD-${id}.`);
        expect(visibleText(page)).toContain('Waiting on the customer');
      });

      it('a note is stored, never emailed and never on the customer’s status page', async () => {
        const id = await ticketFor('ana');
        const emailsBefore = (await outboxOf(id)).length;
        const response = await send(anaClient, id, { kind: 'note', body: 'secret-note-text: customer is a VIP' });
        expect(response.statusCode).toBe(303);
        expect((await outboxOf(id)).length).toBe(emailsBefore);
        expect((await messagesOf(id)).at(-1)!.kind).toBe('note');
        expect((await findTicketById(db(), id))!.waiting_on).toBe('agent');
        const token = (await findTicketById(db(), id))!.token;
        const status = await new Client(t.app).get(`/tickets/status/${token}/`);
        expect(status.statusCode).toBe(200);
        expect(status.body).not.toContain('secret-note-text');
        const page = await anaClient.get(staffTicketPath(id));
        expect(visibleText(page)).toContain('Note added to');
        expect(visibleText(page)).toContain('Internal note Ana Agent');
      });

      it('reply and close sends one email (the reply) and closes the ticket; the page then offers notes only', async () => {
        const id = await ticketFor('ana');
        const emailsBefore = (await outboxOf(id)).length;
        const response = await send(anaClient, id, { kind: 'reply', body: 'Fixed, closing.', close: 'on' });
        expect(response.statusCode).toBe(303);
        const ticket = (await findTicketById(db(), id))!;
        expect(ticket.status).toBe('closed');
        expect(ticket.waiting_on).toBeNull();
        expect((await outboxOf(id)).slice(emailsBefore).map((e) => e.kind)).toEqual(['reply']);
        const page = await anaClient.get(staffTicketPath(id));
        expect(visibleText(page)).toContain(`Reply sent and HD-${id} closed.`);
        expect(page.body).not.toContain('value="reply"');
      });

      it('holds back a reply on a stale view (409, draft kept, new message marked), then sends it on confirmation', async () => {
        const id = await ticketFor('ana');
        const page = await anaClient.get(staffTicketPath(id));
        const seen = seenFrom(page.body)!;
        const token = (await findTicketById(db(), id))!.token;
        const appended = await postCustomerMessage(t.ctx, token, { body: 'Actually it is smoking now.', channel: 'web' });
        const newId = appended.kind === 'appended' ? appended.message.id : 0;
        const before = await written(id);

        const stale = await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'My draft <b>answer</b>', seen, _csrf: csrfFrom(page.body) });
        expect(stale.statusCode).toBe(409);
        expect(await written(id)).toEqual(before);
        expect(stale.body).toContain('My draft &lt;b>answer&lt;/b></textarea>');
        expect(stale.body).toMatch(new RegExp(`<article class="message message-customer message-new" id="message-${newId}"`));
        expect(visibleText(stale)).toContain('New since you started writing');
        expect(stale.body.match(/New since you started writing/g)).toHaveLength(1);
        expect(seenFrom(stale.body)).toBe(String(newId));
        expect(stale.body).toMatch(/<input type="radio" id="kind" name="kind" value="reply" checked/);

        // A note is never held back.
        expect((await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'note', body: 'noted', seen, _csrf: csrfFrom(stale.body) })).statusCode).toBe(303);

        const confirmed = await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'My draft <b>answer</b>', seen: seenFrom(stale.body)!, _csrf: csrfFrom(stale.body) });
        expect(confirmed.statusCode).toBe(303);
        expect((await outboxOf(id)).filter((e) => e.kind === 'reply')).toHaveLength(1);
        expect((await messagesOf(id)).at(-1)!.body).toBe('My draft <b>answer</b>');
      });

      it('refuses a reply to a ticket closed meanwhile (409, draft kept, notes offered), writing nothing', async () => {
        const id = await ticketFor('ben');
        const page = await rootClient.get(staffTicketPath(id));
        await closeTicket(t.ctx, { id: rootId, role: 'admin' }, id);
        const before = await written(id);
        const refused = await rootClient.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'Too late reply', seen: seenFrom(page.body)!, _csrf: csrfFrom(page.body) });
        expect(refused.statusCode).toBe(409);
        expect(await written(id)).toEqual(before);
        expect(visibleText(refused)).toContain('This ticket is closed: a reply cannot be sent.');
        expect(refused.body).toContain('Too late reply</textarea>');
        expect(refused.body).toContain('<input type="hidden" name="kind" value="note"/>');
      });

      it('refuses a reply on a ticket sent back to the queue meanwhile (403, draft kept, notes offered), writing nothing', async () => {
        const id = await ticketFor('ana');
        const page = await anaClient.get(staffTicketPath(id));
        // Nobody is available, so it waits in the queue: Ana still sees it, but may only note on it.
        await requeueTicket(t.ctx, rootId, id);
        const before = await written(id);
        const refused = await anaClient.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'Reply typed <i>before</i> the requeue', seen: seenFrom(page.body)!, _csrf: csrfFrom(page.body) });
        expect(refused.statusCode).toBe(403);
        expect(await written(id)).toEqual(before);
        expect(visibleText(refused)).toContain('Only the agent holding this ticket (or an admin) can reply to the customer.');
        expect(refused.body).toContain('Reply typed &lt;i>before&lt;/i> the requeue</textarea>');
        expect(refused.body).toContain('<input type="hidden" name="kind" value="note"/>');
      });

      it('refuses an empty, oversized or control-character body and a forged kind with 400, a message by the field, the draft kept, nothing written', async () => {
        const id = await ticketFor('ana');
        const before = await written(id);
        const cases: [Record<string, string>, string, string][] = [
          [{ body: '   ' }, 'body', 'Message: write a message.'],
          [{ body: 'x'.repeat(50_001) }, 'body', 'Message: at most 50,000 characters (this one has 50,001).'],
          [{ body: 'bell \u0007 ring' }, 'body', 'Message: the message holds characters that are not text.'],
          [{ body: 'Kept draft', kind: 'email' }, 'kind', 'Send as: choose reply or note.'],
          [{ body: 'Kept note', kind: 'note', close: 'on' }, 'close', 'Reply and close: only a reply can close the ticket.'],
        ];
        for (const [fields, field, message] of cases) {
          const response = await send(anaClient, id, fields);
          expect(response.statusCode, JSON.stringify(fields).slice(0, 80)).toBe(400);
          expect(response.body).toContain(`id="${field}-error" class="field-error">${message}`);
          expect(response.body).toContain('One field needs your attention');
          if (fields.body!.startsWith('Kept')) expect(response.body).toContain(`${fields.body}</textarea>`);
        }
        const oversized = await send(anaClient, id, { body: 'y'.repeat(50_001) });
        expect(oversized.body).toContain(`${'y'.repeat(50_001)}</textarea>`);
        expect(await written(id)).toEqual(before);
      });
    });

    describe('attachments', () => {
      /** Loads the page, then sends the form as a browser does (multipart, the file input `attachments`). */
      async function sendWithFiles(client: Client, id: number, fields: Record<string, string>, files: Parameters<typeof postMultipart>[3]) {
        const page = await client.get(staffTicketPath(id));
        expect(page.body).toContain('enctype="multipart/form-data"');
        expect(page.body).toMatch(/<input id="attachments" name="attachments" type="file" multiple/);
        return postMultipart(client, `${staffTicketPath(id)}messages/`, { _csrf: csrfFrom(page.body), seen: seenFrom(page.body)!, kind: 'reply', ...fields }, files);
      }

      it('a reply carries its files: stored on the message, named in the email row, linked on the page', async () => {
        const id = await ticketFor('ana');
        const response = await sendWithFiles(anaClient, id, { body: 'Screenshot and log attached.' }, [
          { filename: 'screen shot.png', contentType: 'image/png', content: TINY_PNG },
          { filename: 'printer.log', contentType: 'text/plain', content: 'paper jam at tray 2' },
        ]);
        expect(response.statusCode).toBe(303);
        const message = (await messagesOf(id)).at(-1)!;
        expect(message.body).toBe('Screenshot and log attached.');
        const files = await db().selectFrom('attachments').selectAll().where('message_id', '=', message.id).orderBy('id').execute();
        expect(files.map((f) => [f.filename, f.content_type, f.size])).toEqual([
          ['screen shot.png', 'image/png', TINY_PNG.length],
          ['printer.log', 'text/plain', 19],
        ]);
        const emails = (await outboxOf(id)).filter((e) => e.kind === 'reply');
        expect(emails.map((e) => e.message_id)).toEqual([message.id]);
        const page = await anaClient.get(staffTicketPath(id));
        expect(page.body).toContain(`<a href="${staffAttachmentPath(files[0]!)}"><bdi>screen shot.png</bdi></a>`);
        expect(page.body).toContain(`<a href="${staffAttachmentPath(files[1]!)}"><bdi>printer.log</bdi></a>`);
      });

      it('a note on a pending ticket takes files too', async () => {
        const id = await ticketFor(null);
        expect((await sendWithFiles(anaClient, id, { kind: 'note', body: 'Customer’s config' }, [{ filename: 'config.txt', contentType: 'text/plain', content: 'a=1' }])).statusCode).toBe(303);
        const message = (await messagesOf(id)).at(-1)!;
        expect(message.kind).toBe('note');
        expect(await db().selectFrom('attachments').select('filename').where('message_id', '=', message.id).execute()).toEqual([{ filename: 'config.txt' }]);
      });

      it('refuses too many or too large files (413) and a refused type (400) by the field, the draft kept, nothing written', async () => {
        const id = await ticketFor('ana');
        const before = await countRows(t.ctx);
        const eleven = Array.from({ length: 11 }, (_, i) => ({ filename: `f${i}.txt`, contentType: 'text/plain', content: `file ${i}` }));
        const many = await sendWithFiles(anaClient, id, { body: 'Draft with many files' }, eleven);
        expect(many.statusCode).toBe(413);
        expect(many.body).toContain('id="attachments-error" class="field-error">At most 10 files per message.');
        expect(many.body).toContain('Draft with many files</textarea>');
        // As a browser sends the form: "Reply and close" comes after the files, and is kept too.
        const page = await anaClient.get(staffTicketPath(id));
        const fields = { _csrf: csrfFrom(page.body), seen: seenFrom(page.body)!, kind: 'reply', body: 'Draft to close' };
        const manyThenClose = await postMultipart(anaClient, `${staffTicketPath(id)}messages/`, fields, eleven, { close: 'on' });
        expect(manyThenClose.statusCode).toBe(413);
        expect(manyThenClose.body).toContain('id="attachments-error" class="field-error">At most 10 files per message.');
        expect(manyThenClose.body).toMatch(/<input type="checkbox" id="close" name="close" value="on" checked/);

        const big = await sendWithFiles(anaClient, id, { body: 'Draft with a big file' }, [{ filename: 'huge.bin', content: Buffer.alloc(10 * 1024 * 1024 + 1) }]);
        expect(big.statusCode).toBe(413);
        expect(big.body).toContain('id="attachments-error" class="field-error">“huge.bin” is larger than');
        expect(big.body).toContain('Files are not kept when the form comes back: pick them again.');

        const fresh = await anaClient.get(staffTicketPath(id));
        expect(fresh.body).not.toContain('pick them again');
        const html = await sendWithFiles(anaClient, id, { body: '' }, [{ filename: 'page.html', contentType: 'text/html', content: '<script>alert(1)</script>' }]);
        expect(html.statusCode).toBe(400);
        // Bad text and bad files are told together.
        expect(html.body).toContain('2 fields need your attention');
        expect(html.body).toContain('id="body-error" class="field-error">Message: write a message.');
        expect(html.body).toContain('id="attachments-error" class="field-error">“page.html”: .html files are not accepted');
        expect(await countRows(t.ctx)).toEqual(before);

        const noToken = await postMultipart(anaClient, `${staffTicketPath(id)}messages/`, { kind: 'note', body: 'no token' }, [{ filename: 'a.txt', content: 'a' }]);
        expect(noToken.statusCode).toBe(403);
        expect(await countRows(t.ctx)).toEqual(before);
      });
    });

    describe('canned replies', () => {
      it('an empty body with a chosen canned reply sends its text, placeholders filled and escaped where shown', async () => {
        const cannedId = await saveCannedReply(t.ctx, null, { name: `Greeting ${dialect}`, body: 'Hello {{customer_name}}, about {{reference}}: see {{status_url}}\n— {{ agent_name }} {{unknown}}' }, null);
        const id = await ticketFor('ana', { name: '<script>alert(1)</script>' });
        const ticket = (await findTicketById(db(), id))!;
        const page = await anaClient.get(staffTicketPath(id));
        expect(page.body).toContain(`<option value="${cannedId}">Greeting ${dialect}</option>`);
        const emailsBefore = (await outboxOf(id)).length;
        const response = await send(anaClient, id, { kind: 'reply', body: '', canned: String(cannedId) });
        expect(response.statusCode).toBe(303);
        const expected = `Hello <script>alert(1)</script>, about HD-${id}: see http://helpdesk.test/tickets/status/${ticket.token}/\n— Ana Agent {{unknown}}`;
        expect((await messagesOf(id)).at(-1)!.body).toBe(expected);
        const emails = (await outboxOf(id)).slice(emailsBefore);
        expect(emails.map((e) => e.kind)).toEqual(['reply']);
        expect(emails[0]!.text_body).toContain(expected);
        expect(emails[0]!.html_body).not.toContain('<script>alert(1)</script>');
        const after = await anaClient.get(staffTicketPath(id));
        expect(after.body).not.toContain('<script>alert(1)</script>');
        expect(after.body).toContain('Hello &lt;script>alert(1)&lt;/script>, about');
      });

      it('a typed body wins over the chosen reply and has its placeholders filled; an unknown canned reply is a 400', async () => {
        const cannedId = await saveCannedReply(t.ctx, null, { name: `Other ${dialect}`, body: 'Canned text' }, null);
        const id = await ticketFor('ana', { name: 'Dora' });
        expect((await send(anaClient, id, { kind: 'note', body: 'Typed for {{customer_name}}', canned: String(cannedId) })).statusCode).toBe(303);
        expect((await messagesOf(id)).at(-1)!.body).toBe('Typed for Dora');
        const before = await written(id);
        const unknown = await send(anaClient, id, { kind: 'reply', body: '', canned: '999999' });
        expect(unknown.statusCode).toBe(400);
        expect(unknown.body).toContain('id="canned-error" class="field-error">Canned reply: this canned reply no longer exists');
        expect(await written(id)).toEqual(before);
      });

      it('a body that shows nothing (zero-width spaces, a direction mark) counts as empty: the chosen reply is sent', async () => {
        const cannedId = await saveCannedReply(t.ctx, null, { name: `Invisible ${dialect}`, body: 'Canned for {{customer_name}}' }, null);
        const id = await ticketFor('ana', { name: 'Enzo' });
        const response = await send(anaClient, id, { kind: 'reply', body: ' \u200B\u200B\u200E\n', canned: String(cannedId) });
        expect(response.statusCode).toBe(303);
        expect((await messagesOf(id)).at(-1)!.body).toBe('Canned for Enzo');
      });
    });

    it('pages a 120-message thread: the newest 50 with a link to earlier ones, never more', async () => {
      const id = await ticketFor('ana');
      for (let i = 2; i <= 120; i++) await postStaffMessage(t.ctx, { id: ana, role: 'agent' }, id, { kind: 'note', body: `Note number ${i}`, close: false, seen: null, channel: 'web' });
      const all = (await messagesOf(id)).map((m) => m.id);
      expect(all).toHaveLength(120);

      const newest = await anaClient.get(staffTicketPath(id));
      expect(articleIds(newest.body)).toEqual(all.slice(70));
      expect(newest.body).toContain(`data-newest-message-id="${all[119]}"`);
      expect(newest.body).toContain(`<a href="${staffTicketPath(id)}?before=${all[70]}" rel="prev">Earlier messages</a>`);

      const middle = await anaClient.get(`${staffTicketPath(id)}?before=${all[70]}`);
      expect(middle.statusCode).toBe(200);
      expect(articleIds(middle.body)).toEqual(all.slice(20, 70));
      expect(middle.body).toContain('data-earlier-page="true"');
      expect(middle.body).not.toContain('id="reply-form"');
      expect(middle.body).toContain(`?before=${all[20]}`);

      const first = await anaClient.get(`${staffTicketPath(id)}?before=${all[20]}`);
      expect(articleIds(first.body)).toEqual(all.slice(0, 20));
      expect(first.body).not.toContain('Earlier messages');
      expect(visibleText(first)).toContain('It is on fire.');

      expect((await anaClient.get(`${staffTicketPath(id)}?before=abc`)).statusCode).toBe(400);
    });

    describe('links from the dashboards', () => {
      it('the agent dashboard links each ticket to its page and marks those waiting on the agent in words', async () => {
        await changePresence(t.ctx, ana, 'available');
        try {
          const id = await ticketFor('ana', { title: 'Dashboard ticket' });
          const dashboard = await anaClient.get('/agents/dashboard/');
          const row = new RegExp(`<tr data-ticket="HD-${id}"[^>]*data-waiting-on="agent"[\\s\\S]*?</tr>`).exec(dashboard.body)?.[0];
          expect(row).toBeDefined();
          expect(row).toContain(`<a href="${staffTicketPath(id)}">`);
          expect(row).toContain('Your turn: waiting on you');
          expect(visibleText(dashboard)).toMatch(/\d+ waiting on you/);
          await send(anaClient, id, { kind: 'reply', body: 'On it.' });
          const after = await anaClient.get('/agents/dashboard/');
          const replied = new RegExp(`<tr data-ticket="HD-${id}"[\\s\\S]*?</tr>`).exec(after.body)![0];
          expect(replied).toContain('Waiting on the customer');
        } finally {
          await changePresence(t.ctx, ana, 'away');
        }
      });

      it('the admin ticket list and detail link to the staff page and show waiting on', async () => {
        const id = await ticketFor('ben', { title: 'Admin list ticket' });
        const list = await rootClient.get('/admin/tickets/?q=Admin+list+ticket');
        const row = new RegExp(`<tr data-id="${id}">[\\s\\S]*?</tr>`).exec(list.body)![0];
        expect(row).toContain(`href="${staffTicketPath(id)}"`);
        expect(row).toContain('Waiting on the agent');
        const detail = await rootClient.get(`/admin/tickets/${id}/`);
        expect(detail.body).toContain(`<a href="${staffTicketPath(id)}" id="conversation-link">`);
        expect(visibleText(detail)).toContain('Waiting on The agent');
      });
    });
  });
}
