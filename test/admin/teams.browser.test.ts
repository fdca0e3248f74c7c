/**
 * Teams and topics through the pages in a real browser (Debian's Chromium through playwright-core):
 * from the admin navigation to the teams list, a refused first try (a taken name) with the message
 * by its field and the ticked members and chosen queue order kept, then the team in the list, its
 * queue order shown on its page and set back to the desk's; then a topic routing to it,
 * hidden from the form. No serious or critical accessibility violation (axe-core) and nothing wider
 * than a phone, on the form with errors and on the lists (Cast.look).
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in teams.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { addStaff } from '../support/app.js';
import { adminBrowserSuite } from './browser-support.js';

describe('teams and topics in Chromium', () => {
  const suite = adminBrowserSuite('teams', async (t) => {
    await addStaff(t.ctx, 'ana');
    await addStaff(t.ctx, 'ben');
  });

  it('creates a team with members after a refused try, then a hidden topic routing to it', async () => {
    const { t, cast } = suite;
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.getByRole('link', { name: 'Teams', exact: true }).click();
      await page.waitForURL(/\/adminapp\/teams\/$/);
      await page.getByRole('button', { name: 'New team' }).click();
      await page.waitForURL(/\/adminapp\/teams\/new\/$/);

      await page.getByLabel('Name').fill('support');
      await page.getByLabel('Ben (ben)').check();
      // The queue order offers the desk's (naming it), oldest or deadline first.
      const order = page.getByLabel('Queue order');
      expect(await order.locator('option').allTextContents()).toEqual(['The desk’s (currently oldest)', 'Oldest first', 'Deadline first']);
      await order.selectOption({ label: 'Deadline first' });
      await page.getByRole('button', { name: 'Create team' }).click();

      // Refused: the summary takes the focus and links to the field; the ticked member stays ticked.
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain('Name: another team has this name.');
      await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
      expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Ben (ben)').isChecked()).toBe(true);
      expect(await page.getByLabel('Ana (ana)').isChecked()).toBe(false);
      expect(await page.getByLabel('Queue order').inputValue()).toBe('deadline');
      await cast.look(page, '1 team form with an error');
      expect(await t.ctx.handle.db.selectFrom('teams').select('name').execute()).toEqual([{ name: 'Support' }]);

      await page.getByLabel('Name').fill('Billing');
      await page.getByRole('button', { name: 'Create team' }).click();
      await page.waitForURL(/\/adminapp\/teams\/$/);
      expect(await page.locator('[data-flash="success"]').textContent()).toBe('Team “Billing” created.');
      expect(await page.locator('#teams tbody tr').nth(1).textContent()).toContain('Billingben');
      expect(await page.locator('#teams tbody tr').nth(1).locator('td[data-label="Queue order"]').textContent()).toBe('Deadline first');
      expect(await page.locator('#teams tbody tr').nth(0).locator('td[data-label="Queue order"]').textContent()).toBe('The desk’s (currently oldest)');
      await cast.look(page, '2 teams list');
      expect(await t.ctx.handle.db.selectFrom('teams').select('queue_order').where('name', '=', 'Billing').executeTakeFirst()).toEqual({ queue_order: 'deadline' });

      // The saved order shows on the team's page; saving the desk's there clears it.
      await page.getByRole('link', { name: 'Billing', exact: true }).click();
      await page.waitForURL(/\/adminapp\/teams\/\d+\/$/);
      expect(await page.getByLabel('Queue order').inputValue()).toBe('deadline');
      await cast.look(page, '2b team form with its queue order');
      await page.getByLabel('Queue order').selectOption({ label: 'The desk’s (currently oldest)' });
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(/\/adminapp\/teams\/$/);
      expect(await page.locator('[data-flash="success"]').textContent()).toBe('Team “Billing” saved.');
      expect(await t.ctx.handle.db.selectFrom('teams').select('queue_order').where('name', '=', 'Billing').executeTakeFirst()).toEqual({ queue_order: null });

      await page.getByRole('link', { name: 'topic' }).first().click();
      await page.waitForURL(/\/adminapp\/topics\/$/);
      await page.getByRole('button', { name: 'New topic' }).click();
      await page.getByRole('textbox', { name: /^Name/ }).fill('VIP');
      await page.getByLabel('Team').selectOption('billing');
      await page.getByLabel('Hidden from the form').check();
      await page.getByLabel('Inbound addresses').fill('vip@helpdesk.example');
      await page.getByRole('button', { name: 'Create topic' }).click();
      await page.waitForURL(/\/adminapp\/topics\/$/);
      expect(await page.locator('#topics tbody tr').nth(1).textContent()).toContain('VIPBillinghidden');
      await cast.look(page, '3 topics list');
    });
  });
});
