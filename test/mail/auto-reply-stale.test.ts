/**
 * An auto-reply (§10: recorded, starts nothing) does not hold an agent's reply back as stale (§9
 * collision): an out-of-office arriving through the real inbound path (POST /api/v1/inbound/email)
 * while the agent writes leaves the draft sendable from the staff form, as it leaves whose turn it
 * is; a person's mail still holds it back. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { messageIdFor } from '../../src/mail/message.js';
import { reassignTicket } from '../../src/services/admin.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, csrfFrom, seenFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { postMail, rawMail } from './support/raw-mail.js';
import { MAIL_FROM } from './support/testbed.js';


for (const dialect of DIALECTS) {
  describe(`an auto-reply and the stale check (${dialect})`, () => {
    let t: TestApp;
    let inboundToken: string;
    let root: number;
    let ana: Client;
    const db = () => t.ctx.handle.db;
    const messagesOf = (id: number) => db().selectFrom('messages').select(['kind', 'body', 'automatic']).where('ticket_id', '=', id).orderBy('id').execute();
    const waitingOn = async (id: number) => (await db().selectFrom('tickets').select('waiting_on').where('id', '=', id).executeTakeFirstOrThrow()).waiting_on;

    beforeAll(async () => {
      t = await startTestApp(dialect, { config: { mailFrom: MAIL_FROM } });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      await addStaff(t.ctx, 'ana', { capacity: 5 });
      inboundToken = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
      ana = new Client(t.app);
      expect((await ana.login('ana')).statusCode).toBe(303);
    });
    afterAll(() => t.close());

    /** Carla's ticket by mail, held by ana, with ana's first reply sent: the customer's turn. Returns the id and the reply email's Message-ID. */
    async function answeredTicket(): Promise<{ id: number; ourId: string }> {
      const created = await postMail(t.app, inboundToken, rawMail({ from: 'Carla <carla@customer.example>', subject: 'Printer jams', text: 'It jams on every page.' }));
      expect(created.json()).toMatchObject({ result: 'created' });
      const id = Number(String(created.json().ticket).replace(/^HD-/, ''));
      await reassignTicket(t.ctx, root, id, 'ana');
      expect((await send(id, 'Have you tried new toner?')).statusCode).toBe(303);
      expect(await waitingOn(id)).toBe('customer');
      const email = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', id).where('kind', '=', 'reply').executeTakeFirstOrThrow();
      return { id, ourId: messageIdFor(email, MAIL_FROM) };
    }

    /** The staff form as the page had it when opened (its `seen`), sent after `meanwhile` ran. */
    async function send(id: number, body: string, meanwhile: () => Promise<void> = async () => {}) {
      const page = await ana.get(staffTicketPath(id));
      expect(page.statusCode).toBe(200);
      await meanwhile();
      return ana.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body, seen: seenFrom(page.body) ?? '', _csrf: csrfFrom(page.body) });
    }

    it('an out-of-office arriving while the agent writes is shown, and the reply still goes', async () => {
      const { id, ourId } = await answeredTicket();
      const response = await send(id, 'Also, please restart it.', async () => {
        const auto = await postMail(t.app, inboundToken, rawMail({ from: 'carla@customer.example', subject: 'Out of office', inReplyTo: ourId, references: [ourId], headers: { 'Auto-Submitted': 'auto-replied' }, text: 'I am out of the office until Monday.' }));
        expect(auto.json()).toMatchObject({ result: 'ignored', reason: expect.stringContaining('Shown on its ticket.') });
      });
      expect(response.statusCode).toBe(303);
      expect((await messagesOf(id)).slice(-2)).toEqual([
        { kind: 'customer', body: 'I am out of the office until Monday.', automatic: 1 },
        { kind: 'reply', body: 'Also, please restart it.', automatic: 0 },
      ]);
      expect(await waitingOn(id)).toBe('customer');
    });

    it('a person’s mail arriving meanwhile still holds the reply back (409, nothing sent)', async () => {
      const { id, ourId } = await answeredTicket();
      const response = await send(id, 'Also, please restart it.', async () => {
        const human = await postMail(t.app, inboundToken, rawMail({ from: 'carla@customer.example', subject: 'Re: Printer jams', inReplyTo: ourId, references: [ourId], text: 'New toner did not help.' }));
        expect(human.json()).toMatchObject({ result: 'appended' });
      });
      expect(response.statusCode).toBe(409);
      expect((await messagesOf(id)).at(-1)).toMatchObject({ kind: 'customer', body: 'New toner did not help.' });
    });
  });
}
