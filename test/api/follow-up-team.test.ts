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

  describe(`a follow-up while its team's queue holds a waiting ticket (${dialect})`, () => {
    let t: TestApp;
    afterAll(() => t?.close());

    it('goes by R1, not to the closed ticket’s agent (§9: only when the queue of its team is empty)', async () => {
      t = await startTestApp(dialect);
      const admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      const ann = await staffWithToken(t.app, t.ctx, 'ann');
      const cy = await staffWithToken(t.app, t.ctx, 'cy');
      expect((await admin.post('/api/v1/skills', { name: 'Legal' })).status).toBe(201);
      expect((await admin.post('/api/v1/teams', { name: 'Billing', members: ['ann', 'cy'] })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Invoices', team: 'Billing' })).status).toBe(201);
      expect((await admin.post('/api/v1/topics', { name: 'Contracts', team: 'Billing', skills: ['Legal'] })).status).toBe(201);
      await changePresence(t.ctx, ann.id, 'available');
      const first = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong', priority: 'low', topic: 'Invoices' });
      expect(first.body).toMatchObject({ team: 'Billing', agent: 'ann' });
      expect((await ann.api.post(`/api/v1/tickets/${first.body.reference}/close`)).status).toBe(200);
      // Nobody holds Legal: this one waits in Billing's queue.
      const waiting = await admin.post('/api/v1/tickets', { name: 'Eve', email: 'eve@customer.example', title: 'Contract', description: 'Clause 4', priority: 'low', topic: 'Contracts' });
      expect(waiting.body).toMatchObject({ team: 'Billing', agent: null });
      await changePresence(t.ctx, cy.id, 'available');

      const result = await postCustomerMessageOn(t.ctx, Number(String(first.body.reference).slice(3)), { body: 'Still wrong.', channel: 'web' });
      expect(result.kind).toBe('follow_up');
      // R1: cy (never assigned) ranks before ann; ann, with room, would have had it with the queue empty.
      expect(result.kind === 'follow_up' ? result.followUp.agent_id : undefined).toBe(cy.id);
    });
  });
}
