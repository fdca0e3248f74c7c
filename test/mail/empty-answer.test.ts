/**
 * A mail with no text and no files answering an open ticket (SPEC §10 rule 5) adds nothing: it is
 * recorded in the inbound log as ignored with the reason, and the ticket, its thread and whose turn
 * it is stay as they were (it no longer became a "(no text)" message making it the agent's turn).
 * Through the real inbound route, on both engines.
 */
import { describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { customerMail } from './support/customer-mail.js';
import { inboundApp } from './support/inbound-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: an empty answer to an open ticket`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 });

    it('is ignored with its reason and changes nothing on the ticket', async () => {
      const opened = await inbound.deliver(customerMail({ messageId: '<open.1@mail.customer.example>' }));
      const ticketId = (await inbound.t.ctx.handle.db.selectFrom('tickets').select('id').executeTakeFirstOrThrow()).id;
      expect(opened.json()).toMatchObject({ result: 'created', ticket: `HD-${ticketId}` });
      const ana = await addStaff(inbound.t.ctx, 'ana', { role: 'admin' });
      await postStaffMessage(inbound.t.ctx, { id: ana, role: 'admin' }, ticketId, { kind: 'reply', body: 'Is it still burning?', close: false, seen: null, channel: 'web' });
      const db = inbound.t.ctx.handle.db;
      const before = await db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow();
      const messagesBefore = await db.selectFrom('messages').select('id').where('ticket_id', '=', ticketId).execute();
      expect(before.waiting_on).toBe('customer');

      const empty = await inbound.deliver(customerMail({ messageId: '<empty.2@mail.customer.example>', subject: `Re: [HD-${ticketId}] Printer on fire`, inReplyTo: '<open.1@mail.customer.example>', text: '' }));
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toMatchObject({ result: 'ignored', ticket: `HD-${ticketId}` });
      expect(empty.json().reason).toMatch(/no text and no files/i);

      expect(await db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow()).toEqual(before);
      expect(await db.selectFrom('messages').select('id').where('ticket_id', '=', ticketId).execute()).toEqual(messagesBefore);
      const logged = await db.selectFrom('inbound_mails').select(['result', 'reason', 'ticket_id']).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(logged).toMatchObject({ result: 'ignored', ticket_id: ticketId });
    });

    // Decision: an empty answer to a CLOSED ticket is the same stray send; a "(no text)" follow-up
    // would be a ticket nobody can answer, routed and timed. One with files still opens a follow-up.
    it('to a closed ticket opens no "(no text)" follow-up: ignored with the same reason; with a file it still does', async () => {
      const opened = await inbound.deliver(customerMail({ messageId: '<open.c1@mail.customer.example>' }));
      expect(opened.json()).toMatchObject({ result: 'created' });
      const db = inbound.t.ctx.handle.db;
      const ticketId = Number(opened.json().ticket.slice('HD-'.length));
      const bea = await addStaff(inbound.t.ctx, 'bea', { role: 'admin' });
      const ticketsBefore = (await db.selectFrom('tickets').select('id').execute()).length;
      await postStaffMessage(inbound.t.ctx, { id: bea, role: 'admin' }, ticketId, { kind: 'reply', body: 'Fixed.', close: true, seen: null, channel: 'web' });
      expect((await db.selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirstOrThrow()).status).toBe('closed');

      const empty = await inbound.deliver(customerMail({ messageId: '<empty.c2@mail.customer.example>', subject: `Re: [HD-${ticketId}] Printer on fire`, inReplyTo: '<open.c1@mail.customer.example>', text: '' }));
      expect(empty.json()).toMatchObject({ result: 'ignored', ticket: `HD-${ticketId}` });
      expect(empty.json().reason).toMatch(/no text and no files/i);
      expect(await db.selectFrom('tickets').select('id').execute()).toHaveLength(ticketsBefore);
      expect(await db.selectFrom('inbound_mails').select(['result', 'ticket_id']).orderBy('id', 'desc').executeTakeFirstOrThrow()).toEqual({ result: 'ignored', ticket_id: ticketId });

      const withFile = await inbound.deliver(
        customerMail({ messageId: '<file.c3@mail.customer.example>', subject: `Re: [HD-${ticketId}] Printer on fire`, inReplyTo: '<open.c1@mail.customer.example>', text: '', files: [{ filename: 'photo.png', contentType: 'image/png', content: Buffer.from('png') }] }),
      );
      expect(withFile.json()).toMatchObject({ result: 'follow_up' });
      expect(await db.selectFrom('tickets').select('id').execute()).toHaveLength(ticketsBefore + 1);
    });
  });
}
