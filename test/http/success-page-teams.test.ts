/**
 * The confirmation page (§1) tells the customer truthfully why nobody has the request yet, with
 * teams (§12): "everyone is busy" only while someone who may take it (a member of its team holding
 * its skills) is available, else "nobody from our team is online", whoever else is in. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken } from '../api/support.js';

const BUSY = 'Everyone on our team is busy with other requests right now.';
const NOBODY = 'Nobody from our team is online right now.';

for (const dialect of DIALECTS) {
  describe(`the confirmation page with teams (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let ana: number;
    let ben: number;
    const submit = async (topic: string) => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong amount', priority: 'low', topic });
      expect(created.status).toBe(201);
      return created.body as { token: string; agent: string | null };
    };
    const confirmation = async (token: string) => (await new Client(t.app).get(`/tickets/createsuccess/?t=${token}`)).body;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      ana = (await staffWithToken(t.app, t.ctx, 'ana', { capacity: 3 })).id;
      ben = (await staffWithToken(t.app, t.ctx, 'ben', { capacity: 1 })).id;
      expect((await admin.post('/api/v1/skills', { name: 'German' })).status).toBe(201);
      expect((await admin.post('/api/v1/teams', { name: 'Billing', members: ['ben'] })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Invoices', team: 'Billing' })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Rechnung', team: 'Support', skills: [{ name: 'German' }] })).status).toBe(201);
    });
    afterAll(() => t.close());

    it('says nobody is online when only agents of another team are available', async () => {
      await changePresence(t.ctx, ana, 'available');
      await changePresence(t.ctx, ben, 'offline');
      const ticket = await submit('Invoices');
      expect(ticket.agent).toBeNull();
      const page = await confirmation(ticket.token);
      expect(page).toContain(NOBODY);
      expect(page).not.toContain(BUSY);
    });

    it('says nobody is online when the agents available lack a skill the request needs', async () => {
      await changePresence(t.ctx, ana, 'available');
      const ticket = await submit('Rechnung');
      expect(ticket.agent).toBeNull();
      expect(await confirmation(ticket.token)).toContain(NOBODY);
    });

    it('says everyone is busy while someone who may take it is available but full', async () => {
      // ben takes the Invoices request waiting since the first test, and is full (capacity 1).
      await changePresence(t.ctx, ben, 'available');
      const ticket = await submit('Invoices');
      expect(ticket.agent).toBeNull();
      expect(await confirmation(ticket.token)).toContain(BUSY);
    });
  });
}
