/**
 * The customer form sent twice (a double click on Send, Back and Send again after the
 * confirmation): the second post of one form leads to the request the first made, with no second
 * ticket, event or email, also when both arrive at once. A form changed before it is sent again is
 * a new request; a new form is always a new request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { counts } from '../support/snapshot.js';
import { validateNewTicket } from '../../src/core/tickets.js';
import { TicketIntake } from '../../src/services/intake.js';

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
