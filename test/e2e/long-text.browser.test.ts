/**
 * Long text in a real browser (Debian's Chromium through playwright-core): a pasted description
 * longer than the limit is not cut short by the browser. The box counts (characters left near the
 * limit, too many past it), the server refuses the request with the whole text kept and the field
 * named, and once trimmed it is sent. Each page is looked at by Cast.look (axe-core, phone width,
 * no script error). SQLite only: the limit itself is checked on both engines over HTTP.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';

const LINE = 'Error 0x80070005 at step 3: access denied while writing C:\\Program Files\\Printer\\spool.dat\n';

describe('a description longer than the limit, in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), 'long-text');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('is kept whole, counted, refused with the text kept, and sent once trimmed', () =>
    cast.photographedOnFailure(async () => {
      const page = await cast.person();
      await page.goto('/tickets/create/');
      const box = page.getByLabel('Description');
      const count = page.locator('#description-count');
      await page.getByLabel('Your name').fill('Carla Customer');
      await page.getByLabel('Your email').fill('carla@example.com');
      await page.getByLabel('Subject').fill('Printer log');

      // Far from the limit: nothing said.
      await box.fill(LINE.repeat(10));
      expect(await count.isHidden()).toBe(true);

      // A pasted log of 10,500 characters (line breaks count one each, as the server counts them).
      const long = `${LINE.repeat(Math.ceil(10_500 / LINE.length)).slice(0, 10_499)}.`;
      await box.fill(long);
      expect((await box.inputValue()).length).toBe(10_500);
      expect(await count.textContent()).toBe('500 characters too many: at most 10,000.');
      expect(await box.getAttribute('aria-describedby')).toContain('description-count');
      await cast.look(page, '1 too long, counted');

      await page.getByRole('button', { name: /send/i }).click();
      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain('Description: at most 10,000 characters (this one has 10,500).');
      expect(await box.inputValue()).toBe(long);
      expect(await count.textContent()).toBe('500 characters too many: at most 10,000.');
      await cast.look(page, '2 refused, text kept');

      await box.fill(long.slice(0, 9_950));
      expect(await count.textContent()).toBe('50 characters left.');
      await page.getByRole('button', { name: /send/i }).click();
      await page.waitForURL(/\/tickets\/createsuccess\//);
      const token = decodeURIComponent(page.url().split('t=')[1]!);
      expect((await findTicketByToken(t.ctx.handle.db, token))!.description).toBe(long.slice(0, 9_950).trim());
    }));
});
