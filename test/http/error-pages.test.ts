/**
 * Error pages know who is looking: a visitor is offered the request form and the staff login;
 * signed-in staff keep their own header (sections, name, log out) and are offered their dashboard,
 * not a login they already did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';

/** The links under an error page's message. */
const nextSteps = (html: string) => [.../<p class="next-steps">([\s\S]*?)<\/p>/.exec(html)![1]!.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[2]} → ${m[1]}`);

for (const dialect of DIALECTS) {
  describe(`error pages (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'alice');
      await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());

    it('offers a visitor the request form and the staff login', async () => {
      const page = await new Client(t.app).get('/no/such/page/');
      expect(page.statusCode).toBe(404);
      expect(nextSteps(page.body)).toEqual(['Send a request → /tickets/create/', 'Staff login → /agents/login/']);
      expect(page.body).not.toContain('data-viewer=');
    });

    it.each([
      ['alice', '/no/such/page/', 404, 'Your dashboard → /agents/dashboard/'],
      ['alice', '/agents/tickets/999999/', 404, 'Your dashboard → /agents/dashboard/'],
      ['alice', '/adminapp/settings/', 403, 'Your dashboard → /agents/dashboard/'],
      ['root', '/no/such/page/', 404, 'Your dashboard → /adminapp/dashboard/'],
    ])('offers %s at %s (%i) their dashboard, under their own header', async (username, url, status, link) => {
      const client = new Client(t.app);
      await client.login(username);
      const page = await client.get(url);
      expect(page.statusCode).toBe(status);
      expect(nextSteps(page.body)).toEqual([link]);
      expect(page.body).toContain(`data-viewer="${username}"`);
      expect(page.body).toContain('action="/agents/logout/"');
      expect(page.body).not.toContain('>Staff login<');
    });
  });
}
