/**
 * The staff ticket page and the admin's ticket record show the ticket's team, topic and the skills it needs (§12: "tickets show
 * team, topic, skills"), as the API does: staff see why a ticket waits and whose it is to take.
 * Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { idFromReference } from '../../src/core/tickets.js';
import { visibleText } from '../admin/support.js';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken } from '../api/support.js';

for (const dialect of DIALECTS) {
  describe(`the staff ticket page's team, topic and skills (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let page: Client;
    /** A new ticket of `topic`: its staff page's text and its admin record's. */
    const ticketPages = async (topic: string) => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong amount', priority: 'low', topic });
      expect(created.status).toBe(201);
      const id = idFromReference(created.body.reference)!;
      const shown = await Promise.all([page.get(staffTicketPath(id)), page.get(`/admin/tickets/${id}/`)]);
      expect(shown.map((r) => r.statusCode)).toEqual([200, 200]);
      return shown.map((r) => visibleText(r).replace(/\s+/g, ' '));
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ben');
      expect((await admin.post('/api/v1/skills', { name: 'German' })).status).toBe(201);
      expect((await admin.post('/api/v1/skills', { name: 'SQL <b>' })).status).toBe(201);
      expect((await admin.post('/api/v1/teams', { name: 'Billing & Co', members: ['ben'] })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Rechnung', team: 'Billing & Co', skills: [{ name: 'German', optional_after_minutes: 15 }, { name: 'SQL <b>' }] })).status).toBe(201);
      page = new Client(t.app);
      expect((await page.login('root')).statusCode).toBe(303);
    });
    afterAll(() => t.close());

    it('names the team, the topic and each skill with its wait', async () => {
      for (const text of await ticketPages('Rechnung')) expect(text).toContain('Team Billing & Co Topic Rechnung Skills needed German (optional after 15 min), SQL <b>');
    });

    it('says a ticket needs no skill', async () => {
      for (const text of await ticketPages('General')) expect(text).toContain('Team Support Topic General Skills needed None');
    });
  });
}
