/**
 * The customer's side of a conversation (SPEC §9) through the real app on both engines: the
 * status page's public thread (never a note), the reply form and its refusals, and follow-ups of a
 * closed request routed to the previous agent when it has room.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerAttachmentPath } from '../../src/http/links.js';
import { attachmentsOfMessages } from '../../src/repositories/attachments.js';
import { threadPage } from '../../src/repositories/messages.js';
import { findTicketById, findTicketByToken } from '../../src/repositories/tickets.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, Client, csrfFrom, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { countRows } from '../files/counts.js';
import { postMultipart, TINY_PNG } from '../files/support.js';
import { historyViolations } from '../support/invariants.js';

const NOTE_TEXT = 'zebra-7f3c internal only: customer is a reseller';
const NOTE_FILE = 'internal-margins-9q2w.txt';
const statusPath = (token: string) => `/tickets/status/${token}/`;
const reply = (body: string, files: { filename: string; contentType: string; content: Buffer }[] = []) => ({ kind: 'reply' as const, body, close: false, seen: null, channel: 'web' as const, files });

/** The thread as a person reads it: [writer, text] per message, in page order. */
function threadOf(html: string): [string, string][] {
  return [...html.matchAll(/<strong class="message-author"><bdi>([^<]*)<\/bdi><\/strong>[\s\S]*?<div class="message-body">([^<]*)<\/div>/g)].map((m) => [m[1]!, m[2]!]);
}

for (const dialect of DIALECTS) {
  describe(`the customer's side of a conversation (${dialect})`, () => {
    let t: TestApp;
    let alice: number;
    const alicia = { id: 0, role: 'agent' as const };
    beforeAll(async () => {
      t = await startTestApp(dialect);
      // Room for every ticket the tests make, so each is hers at once and she may reply.
      alice = await addStaff(t.ctx, 'alice', { capacity: 100, displayName: 'Alice Agent' });
      alicia.id = alice;
      await changePresence(t.ctx, alice, 'available');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const messagesOf = async (ticketId: number) => threadPage(db(), ticketId, { publicOnly: false, limit: 1000 });
    const ticketOf = async (token: string) => (await findTicketByToken(db(), token))!;

    /** Opens the status page for its CSRF token and sends the reply form. */
    async function sendReply(client: Client, token: string, body: string): Promise<LightMyRequestResponse> {
      return client.submit(statusPath(token), { body }, `${statusPath(token)}reply/`);
    }

    it('shows the public thread oldest first with writer names and files, never a note or its file', async () => {
      const token = await submitViaForm(new Client(t.app), { description: 'The printer smokes.' });
      const ticket = await ticketOf(token);
      expect(ticket.agent_id).toBe(alice);
      const posted = await postStaffMessage(t.ctx, alicia, ticket.id, reply('Unplug it, please.', [{ filename: 'steps & tips.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 steps') }]));
      const note = await postStaffMessage(t.ctx, alicia, ticket.id, { kind: 'note', body: NOTE_TEXT, close: false, seen: null, channel: 'web', files: [{ filename: NOTE_FILE, contentType: 'text/plain', content: Buffer.from('margins') }] });

      const page = await new Client(t.app).get(statusPath(token));
      expect(page.statusCode).toBe(200);
      expect(threadOf(page.body)).toEqual([
        ['Carla Customer', 'The printer smokes.'],
        ['Alice Agent', 'Unplug it, please.'],
      ]);
      expect(page.body).not.toContain('zebra-7f3c');
      expect(page.body).not.toContain(NOTE_FILE);
      expect(page.body).toContain('data-message-kind="reply"');
      const href = customerAttachmentPath(token, posted.attachments[0]!);
      expect(page.body).toContain(`href="${href.replace(/&/g, '&amp;')}"`);
      expect(page.body).toContain('steps &amp; tips.pdf');
      // The link serves the file; the note's file is not there for the status token.
      const file = await new Client(t.app).get(href);
      expect(file.statusCode).toBe(200);
      expect(file.rawPayload.toString()).toBe('%PDF-1.4 steps');
      expect((await new Client(t.app).get(customerAttachmentPath(token, note.attachments[0]!))).statusCode).toBe(404);
      expect(page.body).toMatch(/data-waiting-on="customer"[^>]*>\s*Waiting for your answer/);
      expect(page.body).toContain(`action="${statusPath(token)}reply/"`);
    });

    it('a follow-up of a customer at a mailbox nobody reads says no email went out, as its confirmation page does (automatic emails never go there)', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client, { email: 'no-reply@shop.example', title: 'Order 42' });
      const closed = await ticketOf(token);
      expect(await closeTicket(t.ctx, alicia, closed.id)).toBe(true);
      const sent = await sendReply(client, token, 'One more question about order 42.');
      expect(sent.statusCode).toBe(303);
      const followUp = await ticketOf(decodeURIComponent(String(sent.headers.location).split('/')[3]!));
      const flash = /data-flash="success"[^>]*>([^<]*)</.exec((await client.get(statusPath(followUp.token))).body)?.[1];
      expect(flash).toBe(
        `HD-${closed.id} was closed, so your message opened this new request, HD-${followUp.id}. We send no automatic emails to no-reply@shop.example: it looks like a mailbox nobody reads. Keep this page’s link to follow your request.`,
      );
      // What the flash says: the follow-up's created email is written, and will be skipped, never sent.
      const created = await db().selectFrom('outbox').select(['kind', 'to_address']).where('ticket_id', '=', followUp.id).execute();
      expect(created).toEqual([{ kind: 'created', to_address: 'no-reply@shop.example' }]);
    });

    it('appends the customer’s reply, hands the turn back to the agent, and says so', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client, { description: 'First words.' });
      const ticket = await ticketOf(token);
      await postStaffMessage(t.ctx, alicia, ticket.id, reply('Which model?'));
      expect((await ticketOf(token)).waiting_on).toBe('customer');

      const sent = await sendReply(client, token, 'The LX-9.\r\nBought last year.');
      expect(sent.statusCode).toBe(303);
      expect(sent.headers.location).toBe(statusPath(token));
      const after = await ticketOf(token);
      expect(after.waiting_on).toBe('agent');
      expect(after.status).toBe('open');
      const thread = await messagesOf(ticket.id);
      expect(thread.map((m) => [m.kind, m.author_name, m.body, m.channel])).toEqual([
        ['customer', 'Carla Customer', 'First words.', 'web'],
        ['reply', 'Alice Agent', 'Which model?', 'web'],
        ['customer', 'Carla Customer', 'The LX-9.\nBought last year.', 'web'],
      ]);

      const page = await client.get(statusPath(token));
      expect(page.body).toMatch(/data-flash="success"[^>]*>Your message is added/);
      expect(threadOf(page.body).map(([who]) => who)).toEqual(['Carla Customer', 'Alice Agent', 'Carla Customer']);
      expect(page.body).toMatch(/data-waiting-on="agent"[^>]*>\s*We are working on it/);
      // The flash is shown once.
      expect((await client.get(statusPath(token))).body).not.toContain('data-flash');
    });

    it('shows what people wrote as text, never as markup', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      expect((await sendReply(client, token, '<script>alert(1)</script> & <img src=x onerror=alert(2)>')).statusCode).toBe(303);
      const page = await client.get(statusPath(token));
      expect(page.body).toContain('&lt;script>alert(1)&lt;/script> &amp; &lt;img src=x onerror=alert(2)>');
      expect(page.body).not.toContain('<script>alert(1)');
      expect(page.body).not.toContain('<img src=x');
    });

    it('accepts exactly 10 000 characters', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      expect((await sendReply(client, token, 'x'.repeat(10_000))).statusCode).toBe(303);
      expect((await messagesOf((await ticketOf(token)).id)).at(-1)!.body).toHaveLength(10_000);
    });

    it.each([
      ['empty', '', 'Your message: write a message.'],
      ['blank', ' \r\n\t ', 'Your message: write a message.'],
      ['10 001 characters', 'y'.repeat(10_001), 'Your message: at most 10,000 characters (this one has 10,001).'],
      ['control characters', 'binary\u0001\u0002junk', 'Your message: the message holds characters that are not text.'],
      ['C1 control characters', 'escape\u009b31mred', 'Your message: the message holds characters that are not text.'],
    ])('refuses a %s message with 400, the message by the field, the text kept, nothing written', async (_name, body, message) => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const ticket = await ticketOf(token);
      await postStaffMessage(t.ctx, alicia, ticket.id, reply('Anything else?'));
      const before = await ticketOf(token);
      const thread = await messagesOf(ticket.id);

      const refused = await sendReply(client, token, body);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain(`<small id="body-error" class="field-error">${message}</small>`);
      expect(refused.body).toContain('aria-invalid="true"');
      // The text comes back as sent (escaped), to be corrected rather than typed again.
      expect(/<textarea id="body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(refused.body)?.[1]).toBe(body);
      expect(csrfFrom(refused.body)).toBeTruthy();
      expect(await messagesOf(ticket.id)).toEqual(thread);
      expect(await ticketOf(token)).toEqual(before);
    });

    it('refuses a NUL character (400) and writes nothing', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const ticket = await ticketOf(token);
      const refused = await sendReply(client, token, 'nul\u0000here');
      expect(refused.statusCode).toBe(400);
      expect(await messagesOf(ticket.id)).toHaveLength(1);
    });

    it('a refused message comes back at the form’s address, which as a page leads to the request’s page', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const refused = await sendReply(client, token, '   ');
      expect(refused.statusCode).toBe(400);
      // Its refresher reads the request's page, not the window's address (a 404 every 5 s).
      expect(refused.body).toContain(`data-refresh="${statusPath(token)}"`);
      // A reload declined, a copied address bar.
      const opened = await client.get(`${statusPath(token)}reply/`);
      expect(opened.statusCode).toBe(303);
      expect(opened.headers.location).toBe(statusPath(token));
    });

    it('answers 404 for a wrong token, and 403 without the CSRF token; nothing is written', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const ticket = await ticketOf(token);
      expect((await client.get(statusPath(`${token}x`))).statusCode).toBe(404);
      const wrong = await client.submit(statusPath(token), { body: 'Hello?' }, `${statusPath(`${token}x`)}reply/`);
      expect(wrong.statusCode).toBe(404);
      expect(wrong.body).toContain('We could not find that request');
      await client.get(statusPath(token));
      const forged = await client.post(`${statusPath(token)}reply/`, { body: 'Hello?' });
      expect(forged.statusCode).toBe(403);
      expect(await messagesOf(ticket.id)).toHaveLength(1);
      expect((await client.get(`${statusPath(token)}?before=abc`)).statusCode).toBe(400);
    });

    it('pages a long thread: the newest 50, with a link to the earlier ones', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client, { description: 'message 0' });
      const ticket = await ticketOf(token);
      for (let i = 1; i <= 54; i++) {
        if (i % 2 === 1) await postStaffMessage(t.ctx, alicia, ticket.id, reply(`message ${i}`));
        else expect((await sendReply(client, token, `message ${i}`)).statusCode).toBe(303);
      }
      const all = await messagesOf(ticket.id);
      const newest = await client.get(statusPath(token));
      expect(threadOf(newest.body).map(([, text]) => text)).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i + 5}`));
      expect(newest.body).toContain(`href="${statusPath(token)}?before=${all[5]!.id}">Earlier messages</a>`);
      const earlier = await client.get(`${statusPath(token)}?before=${all[5]!.id}`);
      expect(earlier.statusCode).toBe(200);
      expect(threadOf(earlier.body).map(([, text]) => text)).toEqual(['message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
      expect(earlier.body).not.toContain('Earlier messages');
      expect(earlier.body).toContain('Back to the latest messages');
    });

    it('takes files with the reply (multipart): stored on the new message and linked on the page', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const ticket = await ticketOf(token);
      const csrf = csrfFrom((await client.get(statusPath(token))).body);
      const sent = await postMultipart(client, `${statusPath(token)}reply/`, { _csrf: csrf, body: 'Photos attached.' }, [
        { filename: 'smoke.png', contentType: 'image/png', content: TINY_PNG },
        { filename: 'log.txt', contentType: 'text/plain', content: 'error 42' },
      ]);
      expect(sent.statusCode).toBe(303);
      const message = (await messagesOf(ticket.id)).at(-1)!;
      expect(message.body).toBe('Photos attached.');
      const files = await attachmentsOfMessages(db(), [message.id]);
      expect(files.map((f) => [f.filename, f.content_type, f.size])).toEqual([
        ['smoke.png', 'image/png', TINY_PNG.length],
        ['log.txt', 'text/plain', 8],
      ]);
      const page = await client.get(statusPath(token));
      for (const f of files) expect(page.body).toContain(`href="${customerAttachmentPath(token, f)}"`);
      expect(page.body).toContain('enctype="multipart/form-data"');
      expect(page.body).toMatch(/<input id="attachments" name="attachments" type="file" multiple/);
    });

    it.each([
      ['too many files (413)', 413, Array.from({ length: 11 }, (_, i) => ({ filename: `f${i}.txt`, content: 'x' })), 'At most 10 files per message.'],
      ['a web page (400)', 400, [{ filename: 'page.html', contentType: 'text/html', content: '<script>x</script>' }], '.html files are not accepted'],
    ])('refuses %s: the page again, the file problem by its field, the text kept, nothing written', async (_name, status, files, message) => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const csrf = csrfFrom((await client.get(statusPath(token))).body);
      const before = await countRows(t.ctx);
      const refused = await postMultipart(client, `${statusPath(token)}reply/`, { _csrf: csrf, body: 'See the files.' }, files);
      expect(refused.statusCode).toBe(status);
      expect(refused.body).toMatch(new RegExp(`<small id="attachments-error" class="field-error">[^<]*${message.replace('.', '\\.')}`));
      expect(refused.body).toContain('Files are not kept when the form comes back: pick them again.');
      expect(/<textarea id="body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(refused.body)?.[1]).toBe('See the files.');
      expect(await countRows(t.ctx)).toEqual(before);
    });

    it('shows the text and the file problems together, and refuses a multipart reply without CSRF (403)', async () => {
      const client = new Client(t.app);
      const token = await submitViaForm(client);
      const csrf = csrfFrom((await client.get(statusPath(token))).body);
      const before = await countRows(t.ctx);
      const both = await postMultipart(client, `${statusPath(token)}reply/`, { _csrf: csrf, body: '' }, [{ filename: 'a.svg', contentType: 'image/svg+xml', content: '<svg/>' }]);
      expect(both.statusCode).toBe(400);
      expect(both.body).toContain('<small id="body-error" class="field-error">Your message: write a message.</small>');
      expect(both.body).toContain('id="attachments-error"');
      expect(both.body).toContain('2 fields need your attention');
      const forged = await postMultipart(client, `${statusPath(token)}reply/`, { body: 'Hello' }, [{ filename: 'a.txt', content: 'x' }]);
      expect(forged.statusCode).toBe(403);
      expect(await countRows(t.ctx)).toEqual(before);
    });

    it('a message to a closed request opens a follow-up (the previous agent while it has room, else R1), later ones go onto it while it is open; the closed request never changes', async () => {
      // A clean floor: nothing open (so R3 moves nothing), Alice gone; Dora (room for two) alone.
      for (const open of await db().selectFrom('tickets').selectAll().where('status', '=', 'open').execute()) expect(await closeTicket(t.ctx, alicia, open.id)).toBe(true);
      await changePresence(t.ctx, alice, 'offline');
      const dora = await addStaff(t.ctx, 'dora', { capacity: 2, displayName: 'Dora Desk' });
      const bob = await addStaff(t.ctx, 'bob', { capacity: 5 });
      const doraWriter = { id: dora, role: 'agent' as const };
      await changePresence(t.ctx, dora, 'available');
      const client = new Client(t.app);
      const token = await submitViaForm(client, { title: 'Scanner jams', description: 'Jams on page 2.' });
      const closed = await ticketOf(token);
      expect(closed.agent_id).toBe(dora);
      await postStaffMessage(t.ctx, doraWriter, closed.id, reply('Fixed the roller.'));
      expect(await closeTicket(t.ctx, doraWriter, closed.id)).toBe(true);
      // Bob comes with nothing: R1 alone would now pick him (as few tickets as Dora, never assigned).
      await changePresence(t.ctx, bob, 'available');
      const closedRow = await ticketOf(token);
      const closedThread = await messagesOf(closed.id);

      const closedPage = await client.get(statusPath(token));
      expect(closedPage.body).toContain('Write to us again');
      expect(closedPage.body).toContain('your message opens a new request, “Re: Scanner jams”');

      /** Sends `text` from the closed request's page; the follow-up it landed on, and the flash there. */
      const write = async (text: string, photo = false) => {
        const sent = photo
          ? await postMultipart(client, `${statusPath(token)}reply/`, { _csrf: csrfFrom((await client.get(statusPath(token))).body), body: text }, [{ filename: 'jam.png', contentType: 'image/png', content: TINY_PNG }])
          : await sendReply(client, token, text);
        expect(sent.statusCode).toBe(303);
        const location = String(sent.headers.location);
        const followUp = await ticketOf(decodeURIComponent(location.split('/')[3]!));
        expect(location).toBe(statusPath(followUp.token));
        const landing = await client.get(location);
        expect(landing.body).toContain(`data-follows-up="HD-${closed.id}"`);
        expect(landing.body).toContain(`href="${statusPath(token)}"`);
        return { followUp, flash: /data-flash="success"[^>]*>([^<]*)</.exec(landing.body)?.[1] };
      };

      // The first message (with a photo, which goes on the follow-up's first message) opens one, to Dora.
      const first = await write('It jams again.', true);
      expect(first.flash).toBe(`HD-${closed.id} was closed, so your message opened this new request, HD-${first.followUp.id}. We emailed you its link.`);
      expect([first.followUp.title, first.followUp.description, first.followUp.priority, first.followUp.customer_email, first.followUp.follow_up_of, first.followUp.agent_id]).toEqual([
        'Re: Scanner jams',
        'It jams again.',
        closed.priority,
        closed.customer_email,
        closed.id,
        dora,
      ]);
      const [photo] = await attachmentsOfMessages(db(), [(await messagesOf(first.followUp.id))[0]!.id]);
      expect(photo?.filename).toBe('jam.png');
      expect((await client.get(statusPath(first.followUp.token))).body).toContain(`href="${customerAttachmentPath(first.followUp.token, photo!)}"`);

      // While it is open, the closed request's page says so, and the next messages go onto it: no second request.
      expect((await client.get(statusPath(token))).body).toContain(`your message goes to its follow-up, HD-${first.followUp.id}, which is still open.`);
      for (const text of ['And now on page 3.', 'Still jamming.']) {
        const again = await write(text);
        expect(again.followUp.id).toBe(first.followUp.id);
        expect(again.flash).toBe(`HD-${closed.id} is closed, so your message is added to its follow-up, HD-${first.followUp.id}, which is still open. We answer here and by email.`);
      }
      expect(threadOf((await client.get(statusPath(first.followUp.token))).body)).toEqual([
        ['Carla Customer', 'It jams again.'],
        ['Carla Customer', 'And now on page 3.'],
        ['Carla Customer', 'Still jamming.'],
      ]);
      expect((await ticketOf(first.followUp.token)).waiting_on).toBe('agent');
      expect(await db().selectFrom('tickets').select('id').where('follow_up_of', '=', closed.id).execute()).toHaveLength(1);

      // Once it is closed too, the next message opens another; Dora away now, by R1 to Bob.
      expect(await closeTicket(t.ctx, doraWriter, first.followUp.id)).toBe(true);
      await changePresence(t.ctx, dora, 'away');
      const second = await write('It is jamming once more.');
      expect(second.followUp.id).not.toBe(first.followUp.id);
      expect([second.followUp.follow_up_of, second.followUp.agent_id, second.followUp.title]).toEqual([closed.id, bob, 'Re: Scanner jams']);
      expect(await attachmentsOfMessages(db(), closedThread.map((m) => m.id))).toEqual([]);

      // The closed request never changes, and lists its follow-ups.
      expect(await findTicketById(db(), closed.id)).toEqual(closedRow);
      expect(await messagesOf(closed.id)).toEqual(closedThread);
      const listed = await client.get(statusPath(token));
      for (const f of [first.followUp, second.followUp]) {
        expect(listed.body).toContain(`data-follow-up="HD-${f.id}"`);
        expect(listed.body).toContain(`href="${statusPath(f.token)}"`);
      }
      expect(await historyViolations(db())).toEqual([]);
    });
  });
}

// The limiter counts in process memory, whatever the engine: one engine shows it.
describe('status-page replies are rate-limited with ticket creation', () => {
  it('shares one count per address with the ticket form: over it, 429 and nothing written', async () => {
    const t = await startTestApp('sqlite', {
      config: { rateLimit: true, rateLimits: { loginPerAddress: { max: 50, windowMs: 60_000 }, loginPerUsername: { max: 50, windowMs: 60_000 }, ticketsPerAddress: { max: 3, windowMs: 60_000 } } },
    });
    try {
      const client = new Client(t.app, { remoteAddress: '203.0.113.7' });
      const token = await submitViaForm(client);
      const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
      const send = () => client.submit(statusPath(token), { body: 'Any news?' }, `${statusPath(token)}reply/`);
      expect([(await send()).statusCode, (await send()).statusCode]).toEqual([303, 303]);
      const limited = await send();
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      expect(await threadPage(t.ctx.handle.db, ticket.id, { publicOnly: true, limit: 10 })).toHaveLength(3);
      // Another address is counted apart.
      const other = new Client(t.app, { remoteAddress: '198.51.100.9' });
      expect((await other.submit(statusPath(token), { body: 'Me too' }, `${statusPath(token)}reply/`)).statusCode).toBe(303);
    } finally {
      await t.close();
    }
  });
});
