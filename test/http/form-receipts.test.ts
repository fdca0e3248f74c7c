/**
 * Forms that show something once (a webhook endpoint's secret, a new API token) answer their own
 * POST, so a reload of that answer, or Back and send again, posts them a second time. A one-time
 * form key makes the thing once (migration 2026-12-15T0900-form-receipts): the same key again
 * makes nothing, shows no secret, and leads to what the first post made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, type Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { snapshot } from '../support/snapshot.js';
import { adminClient, visibleText } from '../admin/support.js';
import { claimFormKey, receiptOf } from '../../src/repositories/formReceipts.js';
import { inTransaction } from '../../src/db/transaction.js';
import { FORM_RECEIPT_KEPT_MS } from '../../src/core/formReceipts.js';

const keyOf = (html: string) => /name="form_key" value="([^"]+)"/.exec(html)?.[1];

for (const dialect of DIALECTS) {
  describe(`one-time form keys (${dialect})`, () => {
    let t: TestApp;
    let client: Client;
    let agentId: number;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      ({ client } = await adminClient(t, 'root'));
      agentId = await addStaff(t.ctx, 'alice');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const endpointsAt = (url: string) => db().selectFrom('webhook_endpoints').select('id').where('url', '=', url).execute();
    const audits = (action: string) => db().selectFrom('audit_log').select('id').where('action', '=', action).execute();

    /** The new-endpoint form: its CSRF token and its key. */
    async function newEndpointForm() {
      const form = await client.get('/adminapp/webhooks/new/');
      const key = keyOf(form.body);
      expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
      return { _csrf: csrfFrom(form.body), form_key: key! };
    }

    it('makes one webhook endpoint however often its form is sent, and shows its secret once', async () => {
      const url = 'https://hooks.example.com/reloaded';
      const form = await newEndpointForm();
      const fields = { ...form, url, events: ['ticket.created'], active: 'on' };
      const first = await client.post('/adminapp/webhooks/new/', fields);
      expect(first.statusCode).toBe(200);
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(first.body)![0];
      const auditsBefore = (await audits('webhook.create')).length;

      const again = await client.post('/adminapp/webhooks/new/', fields);
      expect(again.statusCode).toBe(303);
      const [made] = await endpointsAt(url);
      expect(await endpointsAt(url)).toHaveLength(1);
      expect(again.headers.location).toBe(`/adminapp/webhooks/${made!.id}/`);
      expect(again.body).not.toContain(secret);
      expect((await audits('webhook.create')).length).toBe(auditsBefore);
      const landed = await client.get(String(again.headers.location));
      expect(landed.body).not.toContain(secret);
      expect(visibleText(landed)).toContain('This form was already sent: the endpoint was created then, and its secret shown once, on that answer. If it was not copied, make a new secret below.');
      expect(landed.body).toContain(`action="/adminapp/webhooks/${made!.id}/secret/"`);
    });

    it('makes one endpoint when the same form is sent twice at once', async () => {
      const url = 'https://hooks.example.com/twice-at-once';
      const fields = { ...(await newEndpointForm()), url, events: '*', active: 'on' };
      const answers = await Promise.all([client.post('/adminapp/webhooks/new/', fields), client.post('/adminapp/webhooks/new/', fields)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 303]);
      expect(await endpointsAt(url)).toHaveLength(1);
    });

    it('keeps a key unused by a refused post, so the corrected form still makes the endpoint', async () => {
      const form = await newEndpointForm();
      const before = await snapshot(db());
      const refused = await client.post('/adminapp/webhooks/new/', { ...form, url: 'ftp://hooks.example.com/x', events: '*' });
      expect(refused.statusCode).toBe(400);
      expect(await snapshot(db())).toEqual(before);
      expect(await receiptOf(db(), form.form_key)).toBeUndefined();
      const fixed = await client.post('/adminapp/webhooks/new/', { ...form, url: 'https://hooks.example.com/fixed', events: '*' });
      expect(fixed.statusCode).toBe(200);
      expect(await endpointsAt('https://hooks.example.com/fixed')).toHaveLength(1);
    });

    it('says so when the endpoint the form made has been deleted since', async () => {
      const url = 'https://hooks.example.com/gone';
      const fields = { ...(await newEndpointForm()), url, events: '*' };
      expect((await client.post('/adminapp/webhooks/new/', fields)).statusCode).toBe(200);
      const [made] = await endpointsAt(url);
      const page = await client.get(`/adminapp/webhooks/${made!.id}/`);
      expect((await client.post(`/adminapp/webhooks/${made!.id}/delete/`, { _csrf: csrfFrom(page.body) })).statusCode).toBe(303);
      const again = await client.post('/adminapp/webhooks/new/', fields);
      expect(again.statusCode).toBe(303);
      expect(again.headers.location).toBe('/adminapp/webhooks/');
      expect(await endpointsAt(url)).toHaveLength(0);
      expect(visibleText(await client.get('/adminapp/webhooks/'))).toContain('This form was already sent, and the endpoint it created is no longer there.');
    });

    it('makes one API token however often its form is sent; the answer’s own form makes another', async () => {
      const tokens = () => db().selectFrom('api_tokens').select('id').where('user_id', '=', agentId).execute();
      const page = await client.get(`/admin/users/${agentId}/`);
      const fields = { _csrf: csrfFrom(page.body), form_key: keyOf(page.body)!, name: 'Website form' };
      const first = await client.post(`/admin/users/${agentId}/tokens/`, fields);
      expect(first.statusCode).toBe(200);
      const token = /<code id="new-token">([^<]+)<\/code>/.exec(first.body)![1]!;
      const again = await client.post(`/admin/users/${agentId}/tokens/`, fields);
      expect(again.statusCode).toBe(303);
      expect(again.headers.location).toBe(`/admin/users/${agentId}/`);
      expect(await tokens()).toHaveLength(1);
      const landed = await client.get(`/admin/users/${agentId}/`);
      expect(landed.body).not.toContain(token);
      expect(visibleText(landed)).toContain('This form was already sent: its token was created then and shown once, on that answer. If it was not copied, revoke it and create another.');
      // The answer carries a new key: a second token on purpose is made.
      expect(keyOf(first.body)).not.toBe(fields.form_key);
      const second = await client.post(`/admin/users/${agentId}/tokens/`, { _csrf: csrfFrom(first.body), form_key: keyOf(first.body)!, name: 'Second' });
      expect(second.statusCode).toBe(200);
      expect(await tokens()).toHaveLength(2);
    });

    it('makes the thing each time when the post carries no key or a malformed one (as before keys)', async () => {
      const url = 'https://hooks.example.com/keyless';
      const { _csrf } = await newEndpointForm();
      for (const form_key of [undefined, 'not-a-key']) {
        const fields = { _csrf, url, events: '*', ...(form_key ? { form_key } : {}) };
        expect((await client.post('/adminapp/webhooks/new/', fields)).statusCode).toBe(200);
      }
      expect(await endpointsAt(url)).toHaveLength(2);
    });

    it('forgets keys after a day', async () => {
      const now = Date.now();
      await inTransaction(t.ctx.handle, (trx) => claimFormKey(trx, 'OLDOLDOLDOLDOLDOLDOLD0', now));
      expect(await inTransaction(t.ctx.handle, (trx) => claimFormKey(trx, 'OLDOLDOLDOLDOLDOLDOLD0', now + 1000))).toBe(false);
      expect(await inTransaction(t.ctx.handle, (trx) => claimFormKey(trx, 'NEWNEWNEWNEWNEWNEWNEW0', now + FORM_RECEIPT_KEPT_MS + 1))).toBe(true);
      expect(await receiptOf(db(), 'OLDOLDOLDOLDOLDOLDOLD0')).toBeUndefined();
    });
  });
}
