/**
 * An admin's close of a ticket is an admin action (SPEC §15): its audit entry names the admin and
 * the client's address, whichever way it was made — the admin ticket page, the staff page's Close
 * button, reply and close on the staff page, and the API's close and reply-and-close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, csrfFrom, seenFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const PAGE_ADDRESS = '203.0.113.41';
const API_ADDRESS = '198.51.100.42';

for (const dialect of DIALECTS) {
  describe(`an admin's close in the audit log (${dialect})`, () => {
    let t: TestApp;
    let rootId: number;
    let root: Client;
    let token: string;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      root = new Client(t.app, { remoteAddress: PAGE_ADDRESS });
      expect((await root.login('root')).statusCode).toBe(303);
      token = (await createApiToken(t.ctx, rootId, 'closer')).token;
    });
    afterAll(() => t.close());

    const newTicket = async (title: string) => {
      const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title, description: 'x', priority: 'low' });
      return { id: ticket.id, reference: `HD-${ticket.id}` };
    };
    const closeEntry = (reference: string) => t.ctx.handle.db.selectFrom('audit_log').selectAll().where('action', '=', 'ticket.close').where('subject', '=', `ticket:${reference}`).executeTakeFirst();
    const api = (url: string, body?: object) =>
      t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, remoteAddress: API_ADDRESS, ...(body ? { payload: body } : {}) });

    it('records the admin and the address of a close on the admin ticket page', async () => {
      const { id, reference } = await newTicket('Closed on the admin page');
      expect((await root.submit(`/admin/tickets/${id}/`, {}, `/admin/tickets/${id}/close/`)).statusCode).toBe(303);
      expect(await closeEntry(reference)).toMatchObject({ actor_id: rootId, actor_name: 'root', address: PAGE_ADDRESS });
    });

    it("records the admin and the address of a close with the staff page's button", async () => {
      const { id, reference } = await newTicket('Closed on the staff page');
      expect((await root.submit(staffTicketPath(id), {}, `/agents/tickets/${id}/close/`)).statusCode).toBe(303);
      expect(await closeEntry(reference)).toMatchObject({ actor_id: rootId, actor_name: 'root', address: PAGE_ADDRESS });
    });

    it('records the admin and the address of a reply and close on the staff page', async () => {
      const { id, reference } = await newTicket('Replied and closed on the staff page');
      const page = await root.get(staffTicketPath(id));
      const sent = await root.post(`${staffTicketPath(id)}messages/`, { kind: 'reply', body: 'Done, closing.', close: 'on', seen: seenFrom(page.body) ?? '', _csrf: csrfFrom(page.body) });
      expect(sent.statusCode).toBe(303);
      expect(await closeEntry(reference)).toMatchObject({ actor_id: rootId, actor_name: 'root', address: PAGE_ADDRESS });
    });

    it("records the admin and the address of the API's close and reply and close", async () => {
      const closed = await newTicket('Closed through the API');
      expect((await api(`/api/v1/tickets/${closed.reference}/close`)).statusCode).toBe(200);
      expect(await closeEntry(closed.reference)).toMatchObject({ actor_id: rootId, actor_name: 'root', address: API_ADDRESS });
      const replied = await newTicket('Replied and closed through the API');
      expect((await api(`/api/v1/tickets/${replied.reference}/messages`, { kind: 'reply', body: 'Done, closing.', close: true })).statusCode).toBe(201);
      expect(await closeEntry(replied.reference)).toMatchObject({ actor_id: rootId, actor_name: 'root', address: API_ADDRESS });
    });
  });
}
