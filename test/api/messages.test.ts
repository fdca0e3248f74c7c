/**
 * A ticket's thread through the JSON API (§8, §9), on both engines, through the real app with
 * bearer tokens: the list and its cursor, who sees which thread, replies, notes, reply and close,
 * the stale and closed conflicts, and bad input that writes nothing.
 */
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { buildApp } from '../../src/http/app.js';
import { storeAttachments } from '../../src/repositories/attachments.js';
import { postCustomerMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { TEST_CONFIG } from '../support/app.js';
import { DIALECTS, freshDatabase } from '../support/db.js';
import { ApiClient, staffWithToken, validTicket, walk } from './support.js';

type Staff = Awaited<ReturnType<typeof staffWithToken>>;

for (const dialect of DIALECTS) {
  describe(`JSON API ticket threads (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof buildApp>> & { close(): Promise<void> };
    /** SELECTs the app has run: a page must cost the same whatever its size. */
    let selects = 0;
    const countSelects: KyselyPlugin = {
      transformQuery: (args) => {
        if (args.node.kind === 'SelectQueryNode') selects += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    let admin: Staff;
    let alice: Staff;
    let bob: Staff;
    let anonymous: ApiClient;

    // One desk for the file: alice is the only available agent, so every new ticket is hers;
    // bob is never available and holds nothing. Each test makes its own tickets.
    beforeAll(async () => {
      const database = await freshDatabase(dialect);
      const built = await buildApp({ handle: { ...database.handle, db: database.handle.db.withPlugin(countSelects) }, clock: { now: () => Date.now() }, config: TEST_CONFIG });
      await built.app.ready();
      t = { ...built, close: async () => (await built.app.close(), await database.drop()) };
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      alice = await staffWithToken(t.app, t.ctx, 'alice', { capacity: 100 });
      bob = await staffWithToken(t.app, t.ctx, 'bob', { capacity: 100 });
      anonymous = new ApiClient(t.app);
      await changePresence(t.ctx, alice.id, 'available');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const idOf = (reference: string) => Number(reference.slice(3));
    const messagesOf = (id: number) => db().selectFrom('messages').selectAll().where('ticket_id', '=', id).orderBy('id').execute();
    const outboxOf = (id: number) => db().selectFrom('outbox').select(['kind', 'message_id']).where('ticket_id', '=', id).orderBy('id').execute();
    const ticketRow = (id: number) => db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    /** Everything a message request could write on a ticket. */
    const written = async (id: number) => ({ messages: await messagesOf(id), outbox: await outboxOf(id), ticket: await ticketRow(id), events: await db().selectFrom('ticket_events').selectAll().where('ticket_id', '=', id).execute() });
    const create = async (fields: Partial<typeof validTicket> = {}) => {
      const response = await anonymous.post('/api/v1/tickets', { ...validTicket, ...fields });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return { ...response.body, id: idOf(response.body.reference) } as { reference: string; id: number; token: string; [k: string]: unknown };
    };
    /** A ticket nobody holds: made while alice is away, so she must not come back during the test. */
    const whileAliceAway = async <T>(work: (pending: Awaited<ReturnType<typeof create>>) => Promise<T>): Promise<T> => {
      await changePresence(t.ctx, alice.id, 'away');
      try {
        const pending = await create({ title: 'Nobody has it yet' });
        expect(pending.state).toBe('pending');
        return await work(pending);
      } finally {
        await changePresence(t.ctx, alice.id, 'available');
      }
    };
    const messagesUrl = (reference: string) => `/api/v1/tickets/${reference}/messages`;

    it('an API ticket starts with its description as an `api` message; every ticket answer shows waiting_on, first_response_at and follow_up_of', async () => {
      const ticket = await create({ description: 'Smoke from tray 2' });
      expect(ticket).toMatchObject({ agent: 'alice', waiting_on: 'agent', first_response_at: null, follow_up_of: null });
      const thread = await alice.api.get(messagesUrl(ticket.reference));
      expect(thread.status).toBe(200);
      const [first] = await messagesOf(ticket.id);
      expect(thread.body).toEqual({
        items: [
          {
            id: first!.id,
            kind: 'customer',
            author: { type: 'customer', name: 'Carla Customer', username: null },
            body: 'Smoke from tray 2',
            channel: 'api',
            automatic: false,
            created_at: new Date(first!.created_at).toISOString(),
            attachments: [],
          },
        ],
        next_cursor: null,
      });

      const reply = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'On my way.' });
      expect(reply.status).toBe(201);
      const one = await alice.api.get(`/api/v1/tickets/${ticket.reference}`);
      expect(one.body).toMatchObject({ waiting_on: 'customer', first_response_at: reply.body.created_at, follow_up_of: null });
      const list = await alice.api.get(`/api/v1/tickets?q=${encodeURIComponent('Printer on fire')}&limit=200`);
      expect(list.body.items.find((i: { reference: string }) => i.reference === ticket.reference)).toMatchObject({ waiting_on: 'customer', first_response_at: reply.body.created_at });

      const closed = await alice.api.post(`/api/v1/tickets/${ticket.reference}/close`);
      expect(closed.body).toMatchObject({ status: 'closed', waiting_on: null, first_response_at: reply.body.created_at });
      const followed = await postCustomerMessage(t.ctx, ticket.token, { body: 'It is smoking again', channel: 'web' });
      if (followed.kind !== 'follow_up') throw new Error(`expected a follow-up, got ${followed.kind}`);
      const followUp = await admin.api.get(`/api/v1/tickets/${referenceOf(followed.followUp.id)}`);
      expect(followUp.body).toMatchObject({ title: 'Re: Printer on fire', follow_up_of: ticket.reference, waiting_on: 'agent', first_response_at: null });
    });

    it('lists a 120-message thread oldest first, notes and files included, a page at a time with no gap and no duplicate', async () => {
      const ticket = await create({ title: 'A long story' });
      const start = (await ticketRow(ticket.id)).created_at;
      // 119 more messages straight into the table: customer messages, replies and notes by turns.
      const kinds = ['customer', 'reply', 'note'] as const;
      await db()
        .insertInto('messages')
        .values(
          Array.from({ length: 119 }, (_, i) => {
            const kind = kinds[i % 3]!;
            return { ticket_id: ticket.id, kind, author_id: kind === 'customer' ? null : alice.id, author_name: kind === 'customer' ? 'Carla Customer' : 'Alice', body: `message ${i + 2}`, channel: 'web' as const, created_at: start + i + 1 };
          }),
        )
        .execute();
      const rows = await messagesOf(ticket.id);
      expect(rows).toHaveLength(120);
      const files = await storeAttachments(
        db(),
        rows[60]!.id,
        ticket.id,
        [
          { filename: 'photo one.png', contentType: 'image/png', content: Buffer.from('png bytes') },
          { filename: 'log.txt', contentType: 'text/plain', content: Buffer.from('log') },
        ],
        start + 500,
      );

      const firstPage = await alice.api.get(messagesUrl(ticket.reference));
      expect(firstPage.status).toBe(200);
      expect(firstPage.body.items).toHaveLength(50);
      expect(firstPage.body.next_cursor).toEqual(expect.any(String));

      for (const limit of [50, 7, 119, 120, 200]) {
        const { items, pages } = await walk(alice.api, `${messagesUrl(ticket.reference)}?limit=${limit}`);
        expect(items.map((m) => m.id), `limit ${limit}`).toEqual(rows.map((r) => r.id));
        expect(pages, `limit ${limit}`).toBe(Math.max(1, Math.ceil(120 / limit)));
      }
      const { items } = await walk(admin.api, messagesUrl(ticket.reference));
      expect(items.filter((m) => m.kind === 'note')).toHaveLength(39);
      const staffMessage = items.find((m) => m.kind === 'reply');
      expect(staffMessage.author).toEqual({ type: 'staff', name: 'Alice', username: 'alice' });
      const withFiles = items.find((m) => m.id === rows[60]!.id);
      expect(withFiles.attachments).toEqual([
        { id: files[0]!.id, filename: 'photo one.png', content_type: 'image/png', size: 9, url: `http://helpdesk.test/api/v1/attachments/${files[0]!.id}` },
        { id: files[1]!.id, filename: 'log.txt', content_type: 'text/plain', size: 3, url: `http://helpdesk.test/api/v1/attachments/${files[1]!.id}` },
      ]);
      expect(items.filter((m) => m.attachments.length > 0)).toHaveLength(1);

      // Messages, their files and their writers are read once per page, never once per message.
      const selectsFor = async (url: string) => {
        selects = 0;
        expect((await alice.api.get(url)).status).toBe(200);
        return selects;
      };
      await storeAttachments(db(), rows[3]!.id, ticket.id, [{ filename: 'b.txt', contentType: 'text/plain', content: Buffer.from('b') }], start + 600);
      const small = await selectsFor(`${messagesUrl(ticket.reference)}?limit=5`);
      expect(await selectsFor(`${messagesUrl(ticket.reference)}?limit=200`)).toBe(small);
      // The token, the ticket, then messages, files and writers: one each.
      expect(small).toBeGreaterThanOrEqual(3);
      expect(small).toBeLessThanOrEqual(6);

      // A cursor keeps its place while the thread grows: the next page starts right after it.
      const page = await alice.api.get(`${messagesUrl(ticket.reference)}?limit=119`);
      const added = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'one more' });
      const rest = await alice.api.get(`${messagesUrl(ticket.reference)}?limit=119&cursor=${page.body.next_cursor}`);
      expect(rest.body.items.map((m: { id: number }) => m.id)).toEqual([rows[119]!.id, added.body.id]);
      expect(rest.body.next_cursor).toBeNull();
    });

    it('refuses a bad limit or cursor with 400', async () => {
      const ticket = await create();
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=201', 'limit'],
        ['limit=ten', 'limit'],
        ['cursor=not-ours!', 'cursor'],
        [`cursor=${Buffer.from('0').toString('base64url')}`, 'cursor'],
      ] as const) {
        const response = await alice.api.get(`${messagesUrl(ticket.reference)}?${query}`);
        expect(response.status, query).toBe(400);
        expect(Object.keys(response.body.error.fields), query).toEqual([field]);
      }
    });

    it('shows a thread to whoever sees the ticket: its agent, an admin, any agent while pending; 404 for anyone else and for unknown tickets', async () => {
      const ticket = await create();
      expect((await alice.api.get(messagesUrl(ticket.reference))).status).toBe(200);
      expect((await admin.api.get(messagesUrl(ticket.reference))).status).toBe(200);
      expect((await admin.api.get(messagesUrl(ticket.reference.toLowerCase()))).status).toBe(200);
      const before = await written(ticket.id);
      for (const response of [await bob.api.get(messagesUrl(ticket.reference)), await bob.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'peek' })]) {
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe('not_found');
      }
      expect(await written(ticket.id)).toEqual(before);
      for (const reference of ['HD-99999999', 'HD-0', 'nonsense']) expect((await admin.api.get(messagesUrl(reference))).status, reference).toBe(404);
      const noToken = await anonymous.get(messagesUrl(ticket.reference));
      expect(noToken.status).toBe(401);
      expect((await anonymous.post(messagesUrl(ticket.reference), { kind: 'note', body: 'hi' })).status).toBe(401);

      await whileAliceAway(async (pending) => {
        expect((await bob.api.get(messagesUrl(pending.reference))).status).toBe(200);
        // Any staff member who sees it may note; only its agent (it has none) or an admin may reply.
        const note = await bob.api.post(messagesUrl(pending.reference), { kind: 'note', body: 'Looks like hardware' });
        expect(note.status).toBe(201);
        const refused = await bob.api.post(messagesUrl(pending.reference), { kind: 'reply', body: 'Hello' });
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
        expect((await admin.api.post(messagesUrl(pending.reference), { kind: 'reply', body: 'Hello from an admin' })).status).toBe(201);
        expect((await messagesOf(pending.id)).map((m) => m.kind)).toEqual(['customer', 'note', 'reply']);
      });
    });

    it('writes a note: 201 with the message, listed for staff, never emailed, nobody\'s turn changes', async () => {
      const ticket = await create();
      const note = await alice.api.post(messagesUrl(ticket.reference), { kind: 'Note', body: '  Customer called;\r\nsecret-note-text  ' });
      expect(note.status).toBe(201);
      const row = (await messagesOf(ticket.id)).at(-1)!;
      expect(note.body).toEqual({
        id: row.id,
        kind: 'note',
        author: { type: 'staff', name: 'Alice', username: 'alice' },
        body: '  Customer called;\nsecret-note-text  ',
        channel: 'api',
        automatic: false,
        created_at: new Date(row.created_at).toISOString(),
        attachments: [],
      });
      expect(row).toMatchObject({ kind: 'note', author_id: alice.id, channel: 'api', body: '  Customer called;\nsecret-note-text  ' });
      expect((await alice.api.get(messagesUrl(ticket.reference))).body.items.at(-1)).toEqual(note.body);
      expect(await outboxOf(ticket.id)).toEqual([{ kind: 'created', message_id: null }]);
      expect((await ticketRow(ticket.id)).waiting_on).toBe('agent');
    });

    it('sends a reply: 201, exactly one reply email for that message, waiting on the customer', async () => {
      const ticket = await create();
      const reply = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Unplug it, please.' });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ kind: 'reply', channel: 'api', author: { type: 'staff', username: 'alice' }, body: 'Unplug it, please.' });
      expect(await outboxOf(ticket.id)).toEqual([
        { kind: 'created', message_id: null },
        { kind: 'reply', message_id: reply.body.id },
      ]);
      const row = await ticketRow(ticket.id);
      expect(row.waiting_on).toBe('customer');
      expect(row.first_response_at).toBe(Date.parse(reply.body.created_at));
      // An admin may reply on any ticket too.
      expect((await admin.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'And from me.', close: false })).status).toBe(201);
      expect((await outboxOf(ticket.id)).map((e) => e.kind)).toEqual(['created', 'reply', 'reply']);
    });

    it('reply and close: the ticket closes in the same request and the customer gets one email, the reply', async () => {
      const ticket = await create();
      const reply = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Fixed; closing.', close: true });
      expect(reply.status).toBe(201);
      const row = await ticketRow(ticket.id);
      expect(row).toMatchObject({ status: 'closed', waiting_on: null });
      expect(await outboxOf(ticket.id)).toEqual([
        { kind: 'created', message_id: null },
        { kind: 'reply', message_id: reply.body.id },
      ]);
      const events = await db().selectFrom('ticket_events').select('type').where('ticket_id', '=', ticket.id).orderBy('id').execute();
      expect(events.map((e) => e.type)).toEqual(['created', 'closed']);
    });

    it('holds back a reply written on a stale view: 409 stale naming the newest message, nothing written; sending again with that id confirms', async () => {
      const ticket = await create();
      const [first] = await messagesOf(ticket.id);
      const customer = await postCustomerMessage(t.ctx, ticket.token, { body: 'Also the scanner', channel: 'web' });
      if (customer.kind !== 'appended') throw new Error('expected appended');
      const before = await written(ticket.id);

      const stale = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Printer fixed', seen: first!.id });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({ error: { code: 'stale', message: expect.stringContaining('wrote since'), newest_message_id: customer.message.id } });
      expect(await written(ticket.id)).toEqual(before);

      // A note is never held back, and a note is not a public message: it does not make a reply stale.
      const note = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'Checking', seen: first!.id });
      expect(note.status).toBe(201);
      const confirmed = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Both fixed', seen: stale.body.error.newest_message_id });
      expect(confirmed.status).toBe(201);
      expect((await outboxOf(ticket.id)).map((e) => e.message_id)).toEqual([null, confirmed.body.id]);
      // The reply just sent is public: a seen from before it is stale now; a note's later id is not.
      expect((await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'And more', seen: note.body.id })).status).toBe(409);
      const later = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'Waiting for them' });
      expect((await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'And more', seen: later.body.id })).status).toBe(201);
    });

    it("refuses a seen that is no message of this ticket (another ticket's newer id), which would switch the check off", async () => {
      const ticket = await create();
      await postCustomerMessage(t.ctx, ticket.token, { body: 'Also the scanner', channel: 'web' });
      const elsewhere = await create();
      const [elsewhereFirst] = await messagesOf(elsewhere.id);
      const before = await written(ticket.id);
      // Message ids grow across tickets: without the check this reply went out over the unread message.
      const response = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Printer fixed', seen: elsewhereFirst!.id });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(Object.keys(response.body.error.fields)).toEqual(['seen']);
      expect(await written(ticket.id)).toEqual(before);
      // The ticket's own newest message (a note counts: the page sends it) is taken.
      const note = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'Checking' });
      expect((await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Printer fixed', seen: note.body.id })).status).toBe(201);
    });

    it("refuses a seen of another ticket's message that falls inside this thread, which would hide an unread message", async () => {
      const ticket = await create();
      await postCustomerMessage(t.ctx, ticket.token, { body: 'Also the scanner', channel: 'web' });
      const elsewhere = await create();
      const [elsewhereFirst] = await messagesOf(elsewhere.id);
      expect((await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'Looking into it' })).status).toBe(201);
      const before = await written(ticket.id);
      // Between the customer's unread message and the note: neither beyond the thread nor older than its newest public message.
      const response = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'Printer fixed', seen: elsewhereFirst!.id });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(Object.keys(response.body.error.fields)).toEqual(['seen']);
      expect(await written(ticket.id)).toEqual(before);
    });

    it('refuses a reply to a closed ticket with 409 conflict and writes nothing; a note is still taken', async () => {
      const ticket = await create();
      expect((await alice.api.post(`/api/v1/tickets/${ticket.reference}/close`)).status).toBe(200);
      const before = await written(ticket.id);
      for (const client of [alice.api, admin.api]) {
        const refused = await client.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'One more thing' });
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe('conflict');
        expect(refused.body.error).not.toHaveProperty('newest_message_id');
      }
      expect(await written(ticket.id)).toEqual(before);
      const note = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'Closed after a phone call' });
      expect(note.status).toBe(201);
      expect((await ticketRow(ticket.id)).status).toBe('closed');
      expect((await outboxOf(ticket.id)).map((e) => e.kind)).toEqual(['created', 'closed']);
    });

    it('refuses bad input with a message per field and writes nothing', async () => {
      const ticket = await create();
      const [first] = await messagesOf(ticket.id);
      const before = await written(ticket.id);
      const cases: [label: string, body: unknown, fields: string[]][] = [
        ['nothing', {}, ['body', 'kind']],
        ['an empty body', { kind: 'reply', body: '' }, ['body']],
        ['a body of spaces and line ends', { kind: 'reply', body: '  \n\t \r\n ' }, ['body']],
        ['a body that is not text', { kind: 'note', body: 42 }, ['body']],
        ['a NUL inside', { kind: 'reply', body: 'a\u0000b' }, ['body']],
        ['an escape character inside', { kind: 'note', body: 'red \u001b[31m' }, ['body']],
        ['50 001 characters', { kind: 'reply', body: 'x'.repeat(50_001) }, ['body']],
        ['a forged kind', { kind: 'customer', body: 'I am the customer now' }, ['kind']],
        ['a kind of the wrong type', { kind: ['reply'], body: 'Hi' }, ['kind']],
        ['close on a note', { kind: 'note', body: 'Hi', close: true }, ['close']],
        ['close as text', { kind: 'reply', body: 'Hi', close: 'yes' }, ['close']],
        ['seen as text', { kind: 'reply', body: 'Hi', seen: 'abc' }, ['seen']],
        ['seen negative', { kind: 'reply', body: 'Hi', seen: -1 }, ['seen']],
        ['seen fractional', { kind: 'reply', body: 'Hi', seen: first!.id + 0.5 }, ['seen']],
        ['seen beyond any id', { kind: 'reply', body: 'Hi', seen: 2 ** 31 }, ['seen']],
        ['an attachments member', { kind: 'reply', body: 'See file', attachments: [] }, ['attachments']],
        ['attachments of null', { kind: 'note', body: 'See file', attachments: null }, ['attachments']],
        ['an array', [{ kind: 'reply', body: 'Hi' }], ['body']],
      ];
      for (const [label, body, fields] of cases) {
        const response = await alice.api.post(messagesUrl(ticket.reference), body);
        expect(response.status, label).toBe(400);
        expect(response.body.error.code, label).toBe('invalid_input');
        expect(Object.keys(response.body.error.fields).sort(), label).toEqual(fields);
      }
      const oversized = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'x'.repeat(50_001) });
      expect(oversized.body.error.fields.body).toBe('Message: at most 50,000 characters (this one has 50,001).');
      const forged = await alice.api.post(messagesUrl(ticket.reference), { kind: 'customer', body: 'x' });
      expect(forged.body.error.fields.kind).toBe('Send as: choose reply or note.');
      const attachments = await alice.api.post(messagesUrl(ticket.reference), { kind: 'reply', body: 'x', attachments: [{ filename: 'a.txt' }] });
      expect(attachments.body.error.fields.attachments).toContain('cannot be sent through the API');
      const broken = await alice.api.request('POST', messagesUrl(ticket.reference), '{"kind": "reply", ', { 'content-type': 'application/json' });
      expect(broken.status).toBe(400);
      const form = await alice.api.request('POST', messagesUrl(ticket.reference), 'kind=reply&body=hi', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(form.status).toBe(415);
      expect(await written(ticket.id)).toEqual(before);

      // The longest body is taken whole.
      const longest = await alice.api.post(messagesUrl(ticket.reference), { kind: 'note', body: 'y'.repeat(50_000) });
      expect(longest.status).toBe(201);
      expect(longest.body.body).toHaveLength(50_000);
    });
  });
}
