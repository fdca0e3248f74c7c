/**
 * The customer form sent twice (a double click on Send, Back and Send again after the
 * confirmation): the second post of one form leads to the request the first made, with no second
 * ticket, event or email, also when both arrive at once. A form changed before it is sent again is
 * a new request; a new form is always a new request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, csrfFrom, seenFrom, startTestApp, type TestApp } from '../support/app.js';
import { counts } from '../support/snapshot.js';
import { validateNewTicket } from '../../src/core/tickets.js';
import { TicketIntake } from '../../src/services/intake.js';
import { staffTicketPath } from '../../src/http/links.js';
import { reassignTicket } from '../../src/services/admin.js';
import { changePresence } from '../../src/services/presence.js';
import { newTicket } from '../admin/support.js';

const FIELDS = { name: 'Carla', email: 'carla@example.com', title: 'Printer jammed', description: 'Paper stuck.\nTried twice.', priority: 'low' };

for (const dialect of DIALECTS) {
  describe(`the ticket form sent twice (${dialect})`, () => {
    let t: TestApp;
    const db = () => t.ctx.handle.db;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    /** The form as a browser holds it: its hidden fields (CSRF token, form key) and the customer's values. */
    const openForm = async (client: Client) => {
      const page = (await client.get('/tickets/create/')).body;
      const formKey = /name="form_key" value="([^"]+)"/.exec(page)?.[1];
      return { _csrf: csrfFrom(page), ...(formKey ? { form_key: formKey } : {}), ...FIELDS };
    };
    const send = (client: Client, form: Record<string, string>) => client.post('/tickets/create/', form);

    it('one form sent twice, one after the other, makes one request; both land on its confirmation', async () => {
      const client = new Client(t.app);
      const form = await openForm(client);
      const before = await counts(db());
      const first = await send(client, form);
      const second = await send(client, form);
      expect([first.statusCode, second.statusCode]).toEqual([303, 303]);
      expect(second.headers.location).toBe(first.headers.location);
      const after = await counts(db());
      expect([after.tickets - before.tickets, after.events - before.events, after.createdEmails - before.createdEmails]).toEqual([1, 1, 1]);
    });

    it('one form sent twice at once (a double click) makes one request', async () => {
      const client = new Client(t.app);
      const form = await openForm(client);
      const before = await counts(db());
      const answers = await Promise.all([send(client, form), send(client, form), send(client, form)]);
      expect(answers.map((a) => a.statusCode)).toEqual([303, 303, 303]);
      expect(new Set(answers.map((a) => a.headers.location)).size).toBe(1);
      const after = await counts(db());
      expect([after.tickets - before.tickets, after.createdEmails - before.createdEmails]).toEqual([1, 1]);
    });

    it('one form key written by two processes at once makes one request (the unique key, then the stored ticket)', async () => {
      const input = validateNewTicket({ ...FIELDS, title: 'Two processes' });
      const before = await counts(db());
      const [a, b] = await Promise.all([new TicketIntake(t.ctx).submitValid(input, { formKey: 'k'.repeat(22) }), new TicketIntake(t.ctx).submitValid(input, { formKey: 'k'.repeat(22) })]);
      expect(a.id).toBe(b.id);
      const after = await counts(db());
      expect([after.tickets - before.tickets, after.createdEmails - before.createdEmails]).toEqual([1, 1]);
    });

    it('a form changed before it is sent again, or a new form, is a new request', async () => {
      const client = new Client(t.app);
      const form = await openForm(client);
      const before = await counts(db());
      const first = await send(client, form);
      const changed = await send(client, { ...form, description: 'Paper stuck.\nTried twice. Now it smokes.' });
      const fresh = await send(client, await openForm(client));
      expect(new Set([first, changed, fresh].map((a) => a.headers.location)).size).toBe(3);
      expect((await counts(db())).tickets - before.tickets).toBe(3);
    });
  });
}

/**
 * The status page's reply form sent twice (a double click on Send, Back and Send again): one
 * message, on the request or on the follow-up the first post opened, and both posts land where it
 * is. The form carries its own one-time key, as the ticket form does.
 */
for (const dialect of DIALECTS) {
  describe(`a customer's message sent twice (${dialect})`, () => {
    let t: TestApp;
    const db = () => t.ctx.handle.db;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    const statusPath = (token: string) => `/tickets/status/${token}/`;
    /** The reply form as the request's page holds it: CSRF token, form key, and the customer's text. */
    const openReply = async (client: Client, token: string, body: string) => {
      const page = (await client.get(statusPath(token))).body;
      const formKey = /name="form_key" value="([^"]+)"/.exec(page)?.[1];
      return { _csrf: csrfFrom(page), ...(formKey ? { form_key: formKey } : {}), body };
    };
    const send = (client: Client, token: string, form: Record<string, string>) => client.post(`${statusPath(token)}reply/`, form);
    const newRequest = async (client: Client) => {
      const form = await openForm(client);
      const location = String((await client.post('/tickets/create/', form)).headers.location);
      return decodeURIComponent(location.split('t=')[1]!);
    };
    const openForm = async (client: Client) => {
      const page = (await client.get('/tickets/create/')).body;
      return { _csrf: csrfFrom(page), ...FIELDS, title: `Message twice ${Math.random()}` };
    };
    const customerMessages = async (ticketId: number) =>
      (await db().selectFrom('messages').where('ticket_id', '=', ticketId).where('kind', '=', 'customer').select('body').orderBy('id').execute()).map((m) => m.body);
    const ticketOf = async (token: string) => (await db().selectFrom('tickets').where('token', '=', token).selectAll().executeTakeFirstOrThrow());

    it('one reply form sent twice, one after the other or at once, adds one message', async () => {
      const client = new Client(t.app);
      const token = await newRequest(client);
      const ticket = await ticketOf(token);
      const form = await openReply(client, token, 'It smokes again.');
      const first = await send(client, token, form);
      const second = await send(client, token, form);
      expect([first.statusCode, second.statusCode]).toEqual([303, 303]);
      expect(second.headers.location).toBe(first.headers.location);
      const together = await openReply(client, token, 'And now it beeps.');
      const answers = await Promise.all([send(client, token, together), send(client, token, together), send(client, token, together)]);
      expect(answers.map((a) => a.statusCode)).toEqual([303, 303, 303]);
      expect(await customerMessages(ticket.id)).toEqual([FIELDS.description, 'It smokes again.', 'And now it beeps.']);
    });

    it('one reply form sent twice to a closed request opens one follow-up, with the message once', async () => {
      const client = new Client(t.app);
      const token = await newRequest(client);
      const ticket = await ticketOf(token);
      await db().updateTable('tickets').set({ status: 'closed', closed_at: t.ctx.clock.now(), waiting_on: null }).where('id', '=', ticket.id).execute();
      const form = await openReply(client, token, 'It is back.');
      const answers = await Promise.all([send(client, token, form), send(client, token, form)]);
      const again = await send(client, token, form);
      expect([...answers, again].map((a) => a.statusCode)).toEqual([303, 303, 303]);
      const followUps = await db().selectFrom('tickets').where('follow_up_of', '=', ticket.id).selectAll().execute();
      expect(followUps.map((f) => f.description)).toEqual(['It is back.']);
      expect(await customerMessages(followUps[0]!.id)).toEqual(['It is back.']);
      expect(new Set([...answers, again].map((a) => a.headers.location))).toEqual(new Set([statusPath(followUps[0]!.token)]));
    });

    it('a reply form changed before it is sent again, or a new one, is a new message', async () => {
      const client = new Client(t.app);
      const token = await newRequest(client);
      const ticket = await ticketOf(token);
      const form = await openReply(client, token, 'First.');
      await send(client, token, form);
      await send(client, token, { ...form, body: 'First, and more.' });
      await send(client, token, await openReply(client, token, 'First.'));
      expect(await customerMessages(ticket.id)).toEqual([FIELDS.description, 'First.', 'First, and more.', 'First.']);
    });
  });
}

/**
 * The staff ticket page's reply form sent twice (a double click on Send): one reply (one email),
 * one note, one reply-and-close; the second post lands on the ticket with a word that nothing more
 * was sent, never on the "someone wrote since" page (409) naming the writer's own reply, from
 * which sending again would email the customer twice.
 */
for (const dialect of DIALECTS) {
  describe(`a staff message sent twice (${dialect})`, () => {
    let t: TestApp;
    let rootId: number;
    let anaClient: Client;
    const db = () => t.ctx.handle.db;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      const anaId = await addStaff(t.ctx, 'ana', { capacity: 50 });
      rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      anaClient = new Client(t.app);
      expect((await anaClient.login('ana')).statusCode).toBe(303);
      await changePresence(t.ctx, anaId, 'away');
    });
    afterAll(() => t.close());

    /** The form as ana's ticket page holds it: CSRF token, form key, `seen`, and what she typed. */
    const openForm = async (id: number, fields: Record<string, string>) => {
      const page = (await anaClient.get(staffTicketPath(id))).body;
      const formKey = /name="form_key" value="([^"]+)"/.exec(page)?.[1];
      const seen = seenFrom(page) ?? '';
      return { _csrf: csrfFrom(page), ...(formKey ? { form_key: formKey } : {}), seen, kind: 'reply', ...fields };
    };
    const send = (id: number, form: Record<string, string>) => anaClient.post(`${staffTicketPath(id)}messages/`, form);
    const anasTicket = async () => {
      const id = await newTicket(t.ctx, { title: `Twice ${Math.random()}` });
      await reassignTicket(t.ctx, rootId, id, 'ana');
      return id;
    };
    const staffMessages = async (id: number) => (await db().selectFrom('messages').where('ticket_id', '=', id).where('kind', '!=', 'customer').select(['kind', 'body']).orderBy('id').execute()).map((m) => `${m.kind}: ${m.body}`);
    const emails = async (id: number, kind: 'reply') => (await db().selectFrom('outbox').where('ticket_id', '=', id).where('kind', '=', kind).select('id').execute()).length;

    it('a reply sent twice, one after the other or at once, is one reply and one email; each post lands on the ticket', async () => {
      const id = await anasTicket();
      const form = await openForm(id, { body: 'Unplug it, please.' });
      const first = await send(id, form);
      const second = await send(id, form);
      expect([first.statusCode, second.statusCode]).toEqual([303, 303]);
      expect(second.headers.location).toBe(staffTicketPath(id));
      const together = await openForm(id, { body: 'And plug it back in.' });
      const answers = await Promise.all([send(id, together), send(id, together), send(id, together)]);
      expect(answers.map((a) => a.statusCode)).toEqual([303, 303, 303]);
      expect(await staffMessages(id)).toEqual(['reply: Unplug it, please.', 'reply: And plug it back in.']);
      expect(await emails(id, 'reply')).toBe(2);
      const page = await anaClient.get(staffTicketPath(id));
      expect(page.body).toContain('was sent already');
    });

    it('a note, and a reply that closes, sent twice are written once', async () => {
      const id = await anasTicket();
      const note = await openForm(id, { kind: 'note', body: 'Reseller, check the contract.' });
      expect((await Promise.all([send(id, note), send(id, note)])).map((a) => a.statusCode)).toEqual([303, 303]);
      const closing = await openForm(id, { body: 'Fixed, closing.', close: 'on' });
      expect((await Promise.all([send(id, closing), send(id, closing)])).map((a) => a.statusCode)).toEqual([303, 303]);
      expect((await send(id, closing)).statusCode).toBe(303);
      expect(await staffMessages(id)).toEqual(['note: Reseller, check the contract.', 'reply: Fixed, closing.']);
      expect(await emails(id, 'reply')).toBe(1);
      expect((await db().selectFrom('ticket_events').where('ticket_id', '=', id).where('type', '=', 'closed').select('id').execute()).length).toBe(1);
    });

    it('a reply changed before it is sent again is held back as any reply over a newer one (409), and a note is added', async () => {
      const id = await anasTicket();
      const form = await openForm(id, { body: 'First answer.' });
      expect((await send(id, form)).statusCode).toBe(303);
      expect((await send(id, { ...form, body: 'First answer, corrected.' })).statusCode).toBe(409);
      expect((await send(id, { ...form, kind: 'note', body: 'A note with the same form.' })).statusCode).toBe(303);
      expect(await staffMessages(id)).toEqual(['reply: First answer.', 'note: A note with the same form.']);
    });
  });
}
