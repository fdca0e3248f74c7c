/**
 * The topics list says who may take each topic's tickets (§12): a topic whose team has nobody
 * holding its skills makes its tickets wait for good, and the admin sees it there, before they
 * pile up. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken } from '../api/support.js';
import { visibleText } from './support.js';

for (const dialect of DIALECTS) {
  describe(`who may take a topic's tickets (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let page: Client;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      api = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ana');
      expect((await api.post('/api/v1/skills', { name: 'Klingon' })).status).toBe(201);
      expect((await api.post('/api/v1/topics', { name: 'Alien', team: 'Support', skills: [{ name: 'Klingon' }] })).status).toBe(201);
      page = new Client(t.app);
      expect((await page.login('root')).statusCode).toBe(303);
    });
    afterAll(() => t.close());

    it('names the agents who may take them, or says nobody may', async () => {
      const text = visibleText(await page.get('/adminapp/topics/')).replace(/\s+/g, ' ');
      expect(text).toMatch(/General Support yes — — — ana /);
      expect(text).toContain('Alien Support yes Klingon — — Nobody: no agent of its team holds its skills, so its tickets wait');
      expect((await api.put('/api/v1/agents/ana/teams', { skills: ['Klingon'] })).status).toBe(200);
      expect(visibleText(await page.get('/adminapp/topics/')).replace(/\s+/g, ' ')).toContain('Alien Support yes Klingon — — ana');
    });
  });
}
