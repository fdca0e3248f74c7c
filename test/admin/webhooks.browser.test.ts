/**
 * Webhook endpoints through the pages in a real browser (Debian's Chromium through playwright-core):
 * from the admin navigation to a refused first try (an address that is not http) with the message
 * by its field and the admin's text kept, then the endpoint created with its secret shown once; a
 * new ticket's event then waits in its lane, counted above the log, and the page says how long the
 * log keeps settled tries; reloading the creation's answer makes no second endpoint, and deleting
 * asks first. No serious or critical accessibility violation (axe-core) and nothing
 * wider than a phone (Cast.look), on the form with errors and on the endpoint's page.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in test/webhooks.
 */
import { describe, expect, it } from 'vitest';
import { newTicket } from './support.js';
import { adminBrowserSuite } from './browser-support.js';

describe('webhook endpoints in Chromium', () => {
  const suite = adminBrowserSuite('webhooks');

  it('creates an endpoint after a refused try, shows its secret once, then the events waiting and how long the log keeps tries', async () => {
    const { t, cast } = suite;
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await page.waitForURL(/\/adminapp\/webhooks\/$/);
      await page.getByRole('button', { name: 'New endpoint' }).click();
      await page.waitForURL(/\/adminapp\/webhooks\/new\/$/);

      await page.getByLabel('URL').fill('ftp://hooks.example.com/in');
      await page.getByLabel('All events').check();
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain('URL: only http:// and https:// addresses');
      expect(await page.getByLabel('URL').inputValue()).toBe('ftp://hooks.example.com/in');
      expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
      await cast.look(page, '1 endpoint form with an error');
      expect(await t.ctx.handle.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual([]);

      await page.getByLabel('URL').fill('https://hooks.example.com/in');
      await page.getByRole('button', { name: 'Create endpoint' }).click();
      await page.locator('#webhook-secret').waitFor();
      const secret = (await page.locator('#webhook-secret pre code').textContent())!.trim();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
      await cast.look(page, '2 endpoint created with its secret');
      // Reloading the answer sends the form again: no second endpoint, and the secret is not shown again.
      await page.reload();
      await page.waitForURL(/\/adminapp\/webhooks\/\d+\/$/);
      expect(await page.locator('.flash').textContent()).toContain('This form was already sent');
      expect(await page.content()).not.toContain(secret);
      expect(await t.ctx.handle.db.selectFrom('webhook_endpoints').select('id').execute()).toHaveLength(1);

      // A new ticket's event waits in the endpoint's lane (no worker runs in this app).
      await newTicket(t.ctx, { title: 'Told to the hook' });
      await page.getByRole('link', { name: 'Webhooks', exact: true }).first().click();
      await page.waitForURL(/\/adminapp\/webhooks\/$/);
      await page.getByRole('link', { name: 'https://hooks.example.com/in' }).click();
      await page.waitForURL(/\/adminapp\/webhooks\/\d+\/$/);
      expect(await page.locator('#webhook-secret').count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
      expect(await page.locator('#waiting').textContent()).toContain('1 event waits to be sent');
      expect(await page.locator('#history').textContent()).toContain('kept for 30 days');
      await cast.look(page, '3 endpoint with an event waiting');

      // Deleting asks first: dismissed, nothing happens; accepted, the endpoint is gone.
      const questions: string[] = [];
      page.once('dialog', (dialog) => {
        questions.push(dialog.message());
        void dialog.dismiss();
      });
      await page.getByRole('button', { name: 'Delete this endpoint' }).click();
      expect(questions).toEqual(['Delete this endpoint and its delivery log? This cannot be undone.']);
      expect(await t.ctx.handle.db.selectFrom('webhook_endpoints').select('id').execute()).toHaveLength(1);
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Delete this endpoint' }).click();
      await page.waitForURL(/\/adminapp\/webhooks\/$/);
      expect(await t.ctx.handle.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual([]);
    });
  });
});
