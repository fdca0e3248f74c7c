/**
 * A follow-up (§9) keeps the team of the request it follows (§9: "same customer, priority (and
 * team, §12)"), also after its topic was moved to another team, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a follow-up's team (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let ben: ApiClient;
    const teamOf = async (id: number) =>
      (await t.ctx.handle.db.selectFrom('tickets as k').leftJoin('teams as m', 'm.id', 'k.team_id').select(['m.name', 'k.follow_up_of']).where('k.id', '=', id).executeTakeFirstOrThrow());

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      const agent = await staffWithToken(t.app, t.ctx, 'ben');
      ben = agent.api;
      expect((await admin.post('/api/v1/teams', { name: 'Billing', members: ['ben'] })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Invoices', team: 'Billing' })).status).toBe(201);
      await changePresence(t.ctx, agent.id, 'available');
    });
    afterAll(() => t.close());

    it('stays in the closed ticket’s team when its topic has moved to another team since', async () => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong', priority: 'low', topic: 'Invoices' });
      expect(created.body).toMatchObject({ team: 'Billing', agent: 'ben' });
      expect((await ben.post(`/api/v1/tickets/${created.body.reference}/close`)).status).toBe(200);
      const topic = (await admin.get('/api/v1/topics')).body.items.find((x: { name: string }) => x.name === 'Invoices');
      expect((await admin.put(`/api/v1/topics/${topic.id}`, { name: 'Invoices', team: 'Support' })).status).toBe(200);

      const result = await postCustomerMessageOn(t.ctx, 1, { body: 'Still wrong.', channel: 'web' });
      expect(result.kind).toBe('follow_up');
      const followUp = result.kind === 'follow_up' ? result.followUp : undefined;
      expect(await teamOf(followUp!.id)).toEqual({ name: 'Billing', follow_up_of: 1 });
      // ben (Billing, room, nobody waiting) takes it, as §9 says of the closed ticket's agent.
      expect(followUp!.agent_id).not.toBeNull();
    });
  });
}
