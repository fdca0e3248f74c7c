/**
 * Canned replies at /adminapp/replies/ (SPEC §9) through the real app on both engines: admin only,
 * create, edit and delete with CSRF, bad input and taken names refused with the values kept and
 * nothing written, names and texts escaped where shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, visibleText } from './support.js';

const LIST = '/adminapp/replies/';

for (const dialect of DIALECTS) {
  describe(`canned replies (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const db = () => t.ctx.handle.db;
    const replies = () => db().selectFrom('canned_replies').select(['id', 'name', 'body']).orderBy('id').execute();

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'ana');
      admin = (await adminClient(t)).client;
    });
    afterAll(() => t.close());

    it('is for admins only: anonymous visitors log in first, agents get 403 and write nothing', async () => {
      const anonymous = await new Client(t.app).get(LIST);
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toBe(`/agents/login/?next=${encodeURIComponent(LIST)}`);
      const agent = await agentClient(t, 'ana');
      expect((await agent.get(LIST)).statusCode).toBe(403);
      const dashboard = await agent.get('/agents/dashboard/');
      expect((await agent.post(LIST, { name: 'Sneaky', body: 'text', _csrf: csrfFrom(dashboard.body) })).statusCode).toBe(403);
      expect(await replies()).toEqual([]);
    });

    it('lists, creates and explains the placeholders; the admin navigation links here', async () => {
      const empty = await admin.get(LIST);
      expect(empty.statusCode).toBe(200);
      expect(empty.body).toContain(`<a href="${LIST}">Canned replies</a>`);
      expect(visibleText(empty)).toContain('No canned replies yet');
      for (const placeholder of ['{{customer_name}}', '{{reference}}', '{{agent_name}}', '{{status_url}}']) expect(visibleText(empty)).toContain(placeholder);

      const created = await admin.submit(LIST, { name: '  Printer restart ', body: 'Hello {{customer_name}},\nplease restart the printer.' });
      expect(created.statusCode).toBe(303);
      expect(created.headers.location).toBe(LIST);
      expect(await replies()).toMatchObject([{ name: 'Printer restart', body: 'Hello {{customer_name}},\nplease restart the printer.' }]);
      const list = await admin.get(LIST);
      expect(visibleText(list)).toContain('Canned reply “Printer restart” added.');
      expect(visibleText(list)).toContain('Printer restart Hello {{customer_name}},');
    });

    it('refuses bad input with 400, a message by each field and the values kept, writing nothing', async () => {
      const before = await replies();
      const response = await admin.submit(LIST, { name: '', body: 'Kept body text' });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('id="name-error" class="field-error">Name: give the reply a name.');
      expect(response.body).toContain('Kept body text</textarea>');
      const long = await admin.submit(LIST, { name: 'N'.repeat(101), body: '   ' });
      expect(long.statusCode).toBe(400);
      expect(long.body).toContain('id="name-error" class="field-error">Name: at most 100 characters.');
      expect(long.body).toContain('id="body-error" class="field-error">Text: write a message.');
      expect(long.body).toContain(`value="${'N'.repeat(101)}"`);
      expect(long.body).toContain('2 fields need your attention');
      const oversized = await admin.submit(LIST, { name: 'Huge', body: 'z'.repeat(50_001) });
      expect(oversized.statusCode).toBe(400);
      expect(oversized.body).toContain('id="body-error" class="field-error">Text: at most 50,000 characters');
      expect(await replies()).toEqual(before);
    });

    it('refuses a name already in use in any letter case with 409 and the values kept', async () => {
      await admin.submit(LIST, { name: 'Refund policy', body: 'We refund within 30 days.' });
      const before = await replies();
      const taken = await admin.submit(LIST, { name: 'REFUND POLICY', body: 'Another text' });
      expect(taken.statusCode).toBe(409);
      expect(taken.body).toContain('id="name-error" class="field-error">Name: this name is taken: choose another one.');
      expect(taken.body).toContain('value="REFUND POLICY"');
      expect(taken.body).toContain('Another text</textarea>');
      expect(await replies()).toEqual(before);
    });

    it('refuses a name in use in another letter case beyond ASCII too (SQLite’s lower() folds only ASCII), on create and on edit', async () => {
      await admin.submit(LIST, { name: 'Rückerstattung', body: 'Wir erstatten binnen 30 Tagen.' });
      await admin.submit(LIST, { name: 'Übergabe', body: 'Übergeben.' });
      const before = await replies();
      // The stored name's capital Ü is what SQLite's lower() left as it was.
      expect((await admin.submit(LIST, { name: 'übergabe', body: 'Anderer Text' })).statusCode).toBe(409);
      const id = before.find((r) => r.name === 'Rückerstattung')!.id;
      expect((await admin.submit(`${LIST}${id}/`, { name: 'ÜBERGABE', body: 'Wir erstatten binnen 30 Tagen.' })).statusCode).toBe(409);
      expect(await replies()).toEqual(before);
    });

    it('edits a reply, refusing another reply’s name (409) and an unknown id (404)', async () => {
      await admin.submit(LIST, { name: 'Shipping', body: 'It ships tomorrow.' });
      await admin.submit(LIST, { name: 'Returns', body: 'Send it back.' });
      const all = await replies();
      const shipping = all.find((r) => r.name === 'Shipping')!;
      const path = `${LIST}${shipping.id}/`;

      const form = await admin.get(path);
      expect(form.statusCode).toBe(200);
      expect(form.body).toContain('value="Shipping"');
      expect(form.body).toContain('It ships tomorrow.</textarea>');

      const taken = await admin.submit(path, { name: 'returns', body: 'Changed text' });
      expect(taken.statusCode).toBe(409);
      expect(taken.body).toContain('value="returns"');
      expect(await replies()).toEqual(all);

      const saved = await admin.submit(path, { name: 'Shipping times', body: 'It ships in {{reference}} order.' });
      expect(saved.statusCode).toBe(303);
      expect((await replies()).find((r) => r.id === shipping.id)).toEqual({ id: shipping.id, name: 'Shipping times', body: 'It ships in {{reference}} order.' });
      // Keeping its own name (in another case) is not a clash with itself.
      expect((await admin.submit(path, { name: 'SHIPPING TIMES', body: 'Same.' })).statusCode).toBe(303);

      expect((await admin.get(`${LIST}999999/`)).statusCode).toBe(404);
      expect((await admin.submit(LIST, { name: 'x', body: 'y' }, `${LIST}999999/`)).statusCode).toBe(404);
      expect((await admin.get(`${LIST}abc/`)).statusCode).toBe(404);
    });

    it('deletes a reply (once; a second delete only says so) and refuses a POST without CSRF token', async () => {
      await admin.submit(LIST, { name: 'Temporary', body: 'Soon gone.' });
      const id = (await replies()).find((r) => r.name === 'Temporary')!.id;
      const before = await replies();
      expect((await admin.post(`${LIST}${id}/delete/`, {})).statusCode).toBe(403);
      expect(await replies()).toEqual(before);

      const deleted = await admin.submit(LIST, {}, `${LIST}${id}/delete/`);
      expect(deleted.statusCode).toBe(303);
      expect((await replies()).some((r) => r.id === id)).toBe(false);
      expect(visibleText(await admin.get(LIST))).toContain('Canned reply “Temporary” deleted.');
      const again = await admin.submit(LIST, {}, `${LIST}${id}/delete/`);
      expect(again.statusCode).toBe(303);
      expect(visibleText(await admin.get(LIST))).toContain('That canned reply was already deleted.');
    });

    it('shows names and texts escaped', async () => {
      await admin.submit(LIST, { name: '<img src=x onerror=alert(1)>', body: '<script>alert(2)</script>' });
      const list = await admin.get(LIST);
      expect(list.body).not.toContain('<img src=x');
      expect(list.body).not.toContain('<script>alert(2)</script>');
      expect(list.body).toContain('&lt;img src=x onerror=alert(1)>');
      expect(list.body).toContain('&lt;script>alert(2)&lt;/script>');
    });
  });
}
