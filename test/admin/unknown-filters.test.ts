/**
 * A filter naming a team or an agent that does not exist: the API answers 400 for it, and so do
 * the admin ticket list (the message by its field, no rows: an empty list would claim that the
 * team has no tickets) and its CSV export (nothing exported, nothing in the audit log). The users
 * list's team filter and the events list's agent filter likewise, and a ticket that does not exist
 * on the emails and events lists. A name in any letter case
 * still filters. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, newTicket, rowIds, visibleText } from './support.js';

for (const dialect of DIALECTS) {
  describe(`unknown team or agent in the admin lists and export (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let ticket: number;
    const exports = async () => (await t.ctx.handle.db.selectFrom('audit_log').select('id').where('action', '=', 'export.tickets').execute()).length;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'ana');
      admin = (await adminClient(t)).client;
      ticket = await newTicket(t.ctx);
    });
    afterAll(() => t.close());

    for (const [field, value, message] of [
      ['team', 'nope', 'No team has this name.'],
      ['agent', 'nobody', 'No staff account has this username.'],
    ] as const) {
      it(`the export refuses ${field}=${value} with a 400 naming the filter; nothing exported or recorded`, async () => {
        const before = await exports();
        const response = await admin.get(`/admin/tickets/export.csv?${field}=${value}`);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(visibleText(response)).toContain(`Not exported: ${field}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
        expect(await exports()).toBe(before);
      });

      it(`the list says so by the ${field} field (400) instead of showing an empty list`, async () => {
        const response = await admin.get(`/admin/tickets/?${field}=${value}`);
        expect(response.statusCode).toBe(400);
        expect(response.body).toMatch(new RegExp(`id="${field}-error"[^>]*>[^<]*${message.replace('.', '\\.')}`));
        expect(response.body).toContain(`value="${value}"`);
        expect(rowIds(response.body)).toEqual([]);
      });
    }

    it('a team or agent that exists, in any letter case, still filters the list and the export', async () => {
      const list = await admin.get('/admin/tickets/?team=SUPPORT');
      expect(list.statusCode).toBe(200);
      expect(rowIds(list.body)).toEqual([ticket]);
      expect((await admin.get('/admin/tickets/?agent=ANA')).statusCode).toBe(200);
      const csv = await admin.get('/admin/tickets/export.csv?team=support&agent=Ana');
      expect(csv.statusCode).toBe(200);
    });

    it('the events list refuses an unknown agent by its field too, and still filters by a known one', async () => {
      const response = await admin.get('/admin/events/?agent=nobody');
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="agent-error"[^>]*>[^<]*No staff account has this username\./);
      expect((await admin.get('/admin/events/?agent=ANA')).statusCode).toBe(200);
    });

    for (const list of ['emails', 'events']) {
      it(`the ${list} list refuses a ticket that does not exist by its field, and still filters by one that does`, async () => {
        const response = await admin.get(`/admin/${list}/?ticket=HD-99999`);
        expect(response.statusCode).toBe(400);
        expect(response.body).toMatch(/id="ticket-error"[^>]*>[^<]*No ticket has this reference\./);
        expect(response.body).toContain('value="HD-99999"');
        expect((await admin.get(`/admin/${list}/?ticket=hd-${ticket}`)).statusCode).toBe(200);
      });
    }

    it('the users list refuses an unknown team by its field too', async () => {
      const response = await admin.get('/admin/users/?team=nope');
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="team-error"[^>]*>[^<]*No team has this name\./);
    });
  });
}
