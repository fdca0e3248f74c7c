/**
 * Renaming a skill (§12: `PUT /api/v1/skills/{id}`) on both engines: the name rules of creating
 * one (trimmed, invisible ends removed, unique in any letter case, 400 naming `name`), 404 for an
 * unknown skill, a `skill.update` audit entry (before and after). Topics and agents follow the new
 * name; tickets keep the name they were created with (README), and routing, which matches a
 * waiting ticket's skills by id, still gives it to an agent holding the renamed skill.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { queueViolations } from '../support/invariants.js';
import { type ApiClient, staffWithToken } from './support.js';

for (const dialect of DIALECTS) {
  describe(`renaming a skill (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let ana: number;
    let skillId: number;
    const db = () => t.ctx.handle.db;
    const snapshot = async () => JSON.stringify(await Promise.all(['skills', 'agent_skills', 'topic_skills', 'tickets', 'audit_log'].map((x) => db().selectFrom(x as 'skills').selectAll().execute())));
    const skills = async () => (await admin.get('/api/v1/skills')).body.items.map((s: { name: string }) => s.name);

    beforeEach(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      ana = (await staffWithToken(t.app, t.ctx, 'ana')).id;
      skillId = (await admin.post('/api/v1/skills', { name: 'Germn' })).body.id;
      expect((await admin.post('/api/v1/skills', { name: 'French' })).status).toBe(201);
      expect((await admin.put('/api/v1/agents/ana/teams', { teams: ['Support'], skills: ['Germn'] })).status).toBe(200);
      expect((await admin.post('/api/v1/topics', { name: 'Rechnung', team: 'Support', skills: ['Germn'] })).status).toBe(201);
    });
    afterEach(() => t.close());

    it('renames it (trimmed, invisible ends removed): the topic and the agent name it so, the audit log has before and after', async () => {
      const renamed = await admin.put(`/api/v1/skills/${skillId}`, { name: ' \u200bGerman\u00ad ' });
      expect([renamed.status, renamed.body]).toEqual([200, { id: skillId, name: 'German', agents: ['ana'] }]);
      expect(await skills()).toEqual(expect.arrayContaining(['German', 'French']));
      expect((await admin.get('/api/v1/topics')).body.items.find((x: { name: string }) => x.name === 'Rechnung').skills).toEqual([{ name: 'German', optional_after_minutes: null }]);
      const entries = await db().selectFrom('audit_log').select(['actor_name', 'subject', 'before_json', 'after_json']).where('action', '=', 'skill.update').execute();
      expect(entries.map((e) => [e.actor_name, e.subject, JSON.parse(e.before_json!), JSON.parse(e.after_json!)])).toEqual([['root', `skill:${skillId}`, { name: 'Germn' }, { name: 'German' }]]);
    });

    it('changes the letter case of its own name (not a clash with itself)', async () => {
      const renamed = await admin.put(`/api/v1/skills/${skillId}`, { name: 'GERMN' });
      expect([renamed.status, renamed.body.name]).toEqual([200, 'GERMN']);
      // The same name again changes nothing, so no audit entry is written.
      expect((await admin.put(`/api/v1/skills/${skillId}`, { name: 'GERMN' })).status).toBe(200);
      expect(await db().selectFrom('audit_log').select('id').where('action', '=', 'skill.update').execute()).toHaveLength(1);
    });

    it.each([
      ['another skill’s name in another letter case', { name: 'french' }, 'Name: another skill has this name.'],
      ['an empty name', { name: '' }, undefined],
      ['a name of invisible characters only', { name: '\u200b\u2060 ' }, undefined],
      ['a name that is not a string', { name: 42 }, undefined],
      ['no name', {}, undefined],
    ])('refuses %s: 400 naming name, nothing changed', async (_what, body, message) => {
      const before = await snapshot();
      const refused = await admin.put(`/api/v1/skills/${skillId}`, body);
      expect([refused.status, Object.keys(refused.body.error.fields)]).toEqual([400, ['name']]);
      if (message) expect(refused.body.error.fields.name).toBe(message);
      expect(await snapshot()).toBe(before);
    });

    it('answers 404 for a skill that does not exist, changing nothing', async () => {
      const before = await snapshot();
      for (const id of ['999999', 'abc']) expect((await admin.put(`/api/v1/skills/${id}`, { name: 'German' })).status).toBe(404);
      expect(await snapshot()).toBe(before);
    });

    it('a waiting ticket needing the skill still goes to the agent holding it; tickets keep the name they were created with', async () => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Rechnung', description: 'Falsch', priority: 'low', topic: 'Rechnung' });
      expect(created.body).toMatchObject({ agent: null, skills: [{ name: 'Germn' }] });
      expect((await admin.put(`/api/v1/skills/${skillId}`, { name: 'German' })).status).toBe(200);
      await changePresence(t.ctx, ana, 'available');
      const ticket = (await admin.get(`/api/v1/tickets/${created.body.reference}`)).body;
      expect(ticket).toMatchObject({ agent: 'ana', skills: [{ name: 'Germn', optional_after_minutes: null }] });
      expect(await queueViolations(db())).toEqual([]);
      // A new ticket of the topic names the skill by its new name.
      const fresh = await admin.post('/api/v1/tickets', { name: 'Eve', email: 'eve@customer.example', title: 'Rechnung', description: 'Auch', priority: 'low', topic: 'Rechnung' });
      expect(fresh.body.skills).toEqual([{ name: 'German', optional_after_minutes: null }]);
    });
  });
}
