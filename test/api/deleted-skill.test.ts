/**
 * A skill deleted while an agent holds a ticket needing it (§12; deletion is refused only while a
 * waiting ticket needs it): the skill is taken off the open tickets, so sent back to the queue by
 * an admin (R6) or released when its agent leaves (R5) the ticket goes to a member of its team with
 * room, as I3 asks, instead of waiting for a skill nobody can ever hold again. On both engines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { queueViolations } from '../support/invariants.js';
import { type ApiClient, staffWithToken } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a ticket needing a skill deleted while an agent held it (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let ana: number;
    let ben: number;
    let reference: string;
    let skillId: number;
    const row = (ref: string) => t.ctx.handle.db.selectFrom('tickets').select(['agent_id', 'required_skills']).where('id', '=', Number(ref.slice(3))).executeTakeFirstOrThrow();

    beforeEach(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      ana = (await staffWithToken(t.app, t.ctx, 'ana')).id;
      ben = (await staffWithToken(t.app, t.ctx, 'ben')).id;
      for (const id of [ana, ben]) await changePresence(t.ctx, id, 'available');
      skillId = (await admin.post('/api/v1/skills', { name: 'Klingon' })).body.id;
      expect((await admin.put('/api/v1/agents/ana/teams', { teams: ['Support'], skills: ['Klingon'] })).status).toBe(200);
      const topic = (await admin.post('/api/v1/topics', { name: 'Qapla', team: 'Support', skills: ['Klingon'] })).body;
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Translate', description: 'Help', priority: 'low', topic: 'Qapla' });
      expect(created.body).toMatchObject({ agent: 'ana', skills: [{ name: 'Klingon', optional_after_minutes: null }] });
      reference = created.body.reference;
      // The topic no longer needs it, and no waiting ticket does: the skill may go.
      expect((await admin.put(`/api/v1/topics/${topic.id}`, { name: 'Qapla', team: 'Support' })).status).toBe(200);
      expect((await admin.delete(`/api/v1/skills/${skillId}`)).status).toBe(204);
    });
    afterEach(() => t.close());

    it('the open ticket no longer names the deleted skill', async () => {
      expect((await admin.get(`/api/v1/tickets/${reference}`)).body).toMatchObject({ agent: 'ana', skills: [] });
    });

    it('sent back to the queue by an admin, it goes to the other agent with room', async () => {
      const client = new Client(t.app);
      expect((await client.login('root')).statusCode).toBe(303);
      const id = reference.slice(3);
      expect((await client.submit(`/admin/tickets/${id}/`, {}, `/admin/tickets/${id}/requeue/`)).statusCode).toBe(303);
      expect(await row(reference)).toMatchObject({ agent_id: ben });
      expect(await queueViolations(t.ctx.handle.db)).toEqual([]);
    });

    it('released when its agent leaves (release_on_logout), it goes to the other agent with room', async () => {
      expect((await admin.patch('/api/v1/settings', { release_on_logout: true })).status).toBe(200);
      await changePresence(t.ctx, ana, 'offline');
      expect(await row(reference)).toMatchObject({ agent_id: ben });
    });
  });
}
