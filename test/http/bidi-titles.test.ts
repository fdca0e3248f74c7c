/**
 * A title holding overrides of direction cannot reorder the rest of a page's line (SPEC §1, §10):
 * the ticket pages show it as typed, but isolated in a <bdi>, so "Invoice \u202Efdp.exe" cannot turn
 * the text after it around.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

const TITLE = 'Invoice \u202Efdp.exe';

for (const dialect of DIALECTS) {
  describe(`titles with overrides of direction on the ticket pages (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'ana', { role: 'admin' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('the customer status page and the staff ticket page isolate the title', async () => {
      const customer = new Client(t.app);
      const token = await submitViaForm(customer, { title: TITLE });
      const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
      const status = await customer.get(`/tickets/status/${token}/`);
      expect(status.body).toContain(`<bdi>${TITLE}</bdi>`);
      const staff = new Client(t.app);
      await staff.login('ana');
      const page = await staff.get(`/agents/tickets/${ticket.id}/`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<bdi>${TITLE}</bdi>`);
    });
  });
}
