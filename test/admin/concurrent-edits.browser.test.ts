/**
 * Two admins on the settings page at once, in Chromium (qa-admin finding 1): the second one's save
 * keeps the first one's change to another field, and a field both changed comes back as a 409
 * page saying whose value is stored now, the typed value kept, readable (axe) at desktop and phone
 * width; saving again applies it. Both engines are driven over HTTP in concurrent-edits.test.ts.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/repositories/settings.js';
import { addStaff } from '../support/app.js';
import { adminBrowserSuite } from './browser-support.js';

describe('two admins on the settings page in Chromium', () => {
  const suite = adminBrowserSuite('concurrent-edits', async (t) => {
    await addStaff(t.ctx, 'root2', { role: 'admin' });
  });

  async function save(page: Page, status: number): Promise<void> {
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/adminapp/settings/')), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(response.status()).toBe(status);
    await page.waitForLoadState();
  }

  it('keeps the other admin’s change, and shows a conflict by its field with the current value', async () => {
    const { t, cast } = suite;
    const first = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    const second = await cast.loggedIn('root2', /\/adminapp\/dashboard\/$/);
    const stored = () => loadSettings(t.ctx.handle.db);
    await cast.photographedOnFailure(async () => {
      await first.goto('/adminapp/settings/');
      await second.goto('/adminapp/settings/');

      await first.getByRole('group', { name: 'High' }).getByLabel('Resolution').fill('6m');
      await first.getByLabel('Release tickets when an agent leaves').check();
      await save(first, 303);

      // The second admin's page still shows the old values; they change the high target too, and the capacity.
      await second.getByRole('group', { name: 'High' }).getByLabel('Resolution').fill('10m');
      await second.getByLabel('Default capacity').fill('7');
      await save(second, 409);
      await expect.poll(() => second.locator('#sla_high-error').textContent()).toBe('Resolution (high): another admin changed this to “6m” after you opened the page. Your value is kept here: save again to replace theirs, or change it back.');
      await expect.poll(() => second.getByRole('alert').first().textContent()).toContain('Someone else saved the settings after you opened this page, so nothing was saved.');
      expect(await second.getByRole('group', { name: 'High' }).getByLabel('Resolution').inputValue()).toBe('10m');
      expect(await second.getByLabel('Default capacity').inputValue()).toBe('7');
      // The first admin's other change is shown now, and stays.
      expect(await second.getByLabel('Release tickets when an agent leaves').isChecked()).toBe(true);
      expect(await stored()).toMatchObject({ sla: { high: 360 }, releaseOnLogout: true, defaultCapacity: 5 });
      await cast.look(second, '1 conflict');

      await save(second, 303);
      expect(await stored()).toMatchObject({ sla: { high: 600 }, releaseOnLogout: true, defaultCapacity: 7 });
    });
  });
});
