/**
 * Creating a calendar through the form in a real browser (Debian's Chromium through playwright-core):
 * from the admin navigation to the list, a refused first try with the message by its day and the
 * typed text kept, then the calendar in the list. No serious or critical accessibility violation
 * (axe-core) and nothing wider than a phone, on the list and on the form with errors.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in calendars.test.ts.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';

const TEST = 'calendars';

describe('creating a calendar in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), TEST);
    await addStaff(t.ctx, 'root', { role: 'admin' });
  });

  afterAll(async () => {
    for (const context of cast?.contexts ?? []) await context.close();
    await browser?.close();
    await t?.close();
  });

  it('creates a calendar from the form, after a refused try that keeps what was typed', async () => {
    const page = await cast.person();
    await cast.photographedOnFailure(async () => {
      await page.goto('/agents/login/');
      await page.getByLabel('Username').fill('root');
      await page.getByLabel('Password').fill('password123');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/adminapp\/dashboard\/$/);

      await page.getByRole('link', { name: 'Calendars' }).click();
      await page.waitForURL(/\/adminapp\/calendars\/$/);
      await page.getByRole('button', { name: 'New calendar' }).click();
      await page.waitForURL(/\/adminapp\/calendars\/new\/$/);

      await page.getByLabel('Name').fill('Berlin office');
      await page.getByLabel('Time zone').fill('Europe/Berlin');
      await page.getByLabel('Friday').fill('09:00-12:00, 22:00-06:00');
      await page.getByLabel('Saturday').fill('10:00-25:00');
      await page.getByLabel('Holidays (closed all day)').fill('2026-12-24..2026-12-26 yearly\n2026-05-01');
      await page.getByRole('button', { name: 'Create calendar' }).click();

      // Refused: the summary takes the focus and links to the day; every field keeps its text.
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain('Saturday: times are HH:MM from 00:00 to 23:59');
      await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
      expect(await page.getByLabel('Saturday').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Saturday').inputValue()).toBe('10:00-25:00');
      expect(await page.getByLabel('Friday').inputValue()).toBe('09:00-12:00, 22:00-06:00');
      expect(await page.getByLabel('Holidays (closed all day)').inputValue()).toBe('2026-12-24..2026-12-26 yearly\n2026-05-01');
      await cast.look(page, '1 form with an error');
      expect(await t.ctx.handle.db.selectFrom('calendars').select('id').execute()).toEqual([]);

      await page.locator('.error-summary a[href="#hours_sat"]').click();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('hours_sat');
      await page.getByLabel('Saturday').fill('10:00-14:00');
      await page.getByRole('button', { name: 'Create calendar' }).click();
      await page.waitForURL(/\/adminapp\/calendars\/$/);
      expect(await page.locator('[data-flash="success"]').textContent()).toBe('Calendar “Berlin office” created.');
      const row = page.locator('#calendars tbody tr').nth(1);
      expect(await row.textContent()).toContain('Mon–Thu 09:00-17:00 · Fri 09:00-12:00, 22:00-06:00 · Sat 10:00-14:00');
      expect(await page.locator('#calendars tbody tr').first().textContent()).toContain('24/7');
      await cast.look(page, '2 list');
    });
  });
});
