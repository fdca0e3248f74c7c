/**
 * A ticket whose topic was deleted since, beside one that has no topic at all: the tickets export's
 * `topic` column and the ticket's page tell them apart the same way — "(deleted topic)" for the
 * one, an empty field and "—" for the other (as the team column says "(deleted team)"). A topic
 * created after the deletion does not take the deleted topic's tickets over. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, visibleText } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a deleted topic and no topic in the tickets export and on the ticket page (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let admin: Client;
    const ids = { deleted: 0, none: 0, kept: 0 };

    const ticket = async (topic: string) => {
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Help', description: 'Help', priority: 'low', topic });
      expect(created.status).toBe(201);
      return Number(String(created.body.reference).slice(3));
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await adminClient(t);
      admin = root.client;
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'topics')).token);
      expect((await api.post('/api/v1/topics', { name: 'Late', team: 'Support' })).status).toBe(201);
      ids.deleted = await ticket('Late');
      ids.none = await ticket('General');
      ids.kept = await ticket('General');
      const late = (await api.get('/api/v1/topics')).body.items.find((topic: { name: string }) => topic.name === 'Late');
      expect((await api.request('DELETE', `/api/v1/topics/${late.id}`)).status).toBe(204);
      // A ticket with no topic (none is ever filed so while a topic exists; a row of old kept as it is).
      await t.ctx.handle.db.updateTable('tickets').set({ topic_id: null }).where('id', '=', ids.none).execute();
      // The newest topic deleted, the next one made: SQLite would hand it the same id.
      expect((await api.post('/api/v1/topics', { name: 'Fresh', team: 'Support' })).status).toBe(201);
    });
    afterAll(() => t.close());

    it('the export says (deleted topic) for the deleted one and leaves no topic empty', async () => {
      const csv = await admin.get('/admin/tickets/export.csv');
      expect(csv.statusCode).toBe(200);
      const topicOf = (id: number) => csvObjects(csv.body).rows.find((record) => record.reference === `HD-${id}`)!.topic;
      expect(topicOf(ids.deleted)).toBe('(deleted topic)');
      expect(topicOf(ids.none)).toBe('');
      expect(topicOf(ids.kept)).toBe('General');
    });

    it('the page says the same', async () => {
      expect(visibleText(await admin.get(`/admin/tickets/${ids.deleted}/`))).toContain('Topic (deleted topic)');
      expect(visibleText(await admin.get(`/admin/tickets/${ids.none}/`))).toContain('Topic — Skills');
      expect(visibleText(await admin.get(`/admin/tickets/${ids.kept}/`))).toContain('Topic General');
    });
  });
}
