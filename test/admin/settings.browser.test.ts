/**
 * The settings page's §11 fields in a real browser (Debian's Chromium through playwright-core):
 * what the browser itself sends when the pause box is ticked and unticked (the box has a hidden
 * companion so that an unticked box is told apart from a form without it), the calendar chosen
 * from its list, an error shown next to its field, no serious or critical accessibility
 * violation (axe-core) and nothing wider than a phone.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in settings-targets.test.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/repositories/settings.js';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';
import { addCalendar } from '../support/sla.js';

describe('the settings page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;
  let office: number;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), 'settings');
    await addStaff(t.ctx, 'root', { role: 'admin' });
    office = await addCalendar(t.ctx.handle.db, 'Office hours');
  });

  afterAll(async () => {
    for (const context of cast?.contexts ?? []) await context.close();
    await browser?.close();
    await t?.close();
  });

  const admin = (): Promise<Page> => cast.loggedIn('root', /\/adminapp\/dashboard\/$/);

  async function save(page: Page, status = 200): Promise<void> {
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/adminapp/settings/')), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(response.status()).toBe(status === 200 ? 303 : status);
    await page.waitForLoadState();
  }

  it('saves targets, the calendar, the pause and warnings as a person fills them in, and unticks the pause', async () => {
    const page = await admin();
    const stored = () => loadSettings(t.ctx.handle.db);
    await cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/settings/');
      await cast.look(page, '1 settings');

      const high = page.getByRole('group', { name: 'High' });
      const low = page.getByRole('group', { name: 'Low' });
      // No target longer than its resolution target (core/settings.ts targetsPastResolution).
      await high.getByLabel('Resolution').fill('1h');
      await high.getByLabel('First response').fill('15m');
      await low.getByLabel('Resolution').fill('4h');
      await low.getByLabel('Next reply').fill('2h');
      await page.getByLabel('SLA calendar').selectOption({ label: 'Office hours' });
      await page.getByLabel('Pause the resolution clock while waiting on the customer').check();
      await page.getByLabel("Warn at (% of a target's time)").fill('80');
      await save(page);
      expect(await stored()).toMatchObject({ sla: { high: 3600, medium: 240, low: 14_400 }, firstResponse: { high: 900, medium: null, low: null }, nextReply: { high: null, medium: null, low: 7200 }, calendarId: office, pauseWhileWaiting: true, warnAtPercent: 80 });
      expect(await page.getByLabel('Pause the resolution clock while waiting on the customer').isChecked()).toBe(true);

      await page.getByLabel('Pause the resolution clock while waiting on the customer').uncheck();
      await high.getByLabel('First response').fill('');
      await save(page);
      expect(await stored()).toMatchObject({ firstResponse: { high: null }, nextReply: { low: 7200 }, calendarId: office, pauseWhileWaiting: false, warnAtPercent: 80 });

      const before = await stored();
      await page.getByLabel("Warn at (% of a target's time)").fill('100');
      await page.getByLabel('Pause the resolution clock while waiting on the customer').check();
      await save(page, 400);
      await expect.poll(() => page.locator('#warn_at_percent-error').textContent()).toContain("Warn at (% of a target's time): enter a whole number from 1 to 99");
      // The other values are kept as the person left them, the box too.
      expect(await page.getByLabel('Pause the resolution clock while waiting on the customer').isChecked()).toBe(true);
      expect(await page.getByLabel('SLA calendar').inputValue()).toBe(String(office));
      await cast.look(page, '2 refused');
      expect(await stored()).toEqual(before);
    });
  });
});
