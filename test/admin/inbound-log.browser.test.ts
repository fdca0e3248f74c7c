/**
 * The inbound log, a mail's original and the dashboard's email figures in a real browser (Debian's
 * Chromium through playwright-core): no serious or critical accessibility violation (axe-core),
 * nothing wider than a phone however long a subject or header is, the original's download saved as
 * a file, and the dashboard's email figures refreshed without a reload when mail arrives.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in inbound-log.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';
import { ingest, rawMail } from './mail.js';

const TEST = 'inbound-log';

describe('the inbound log in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), TEST);
    await addStaff(t.ctx, 'root', { role: 'admin' });
    await addStaff(t.ctx, 'alice');
  });

  afterAll(async () => {
    for (const context of cast?.contexts ?? []) await context.close();
    await browser?.close();
    await t?.close();
  });

  const admin = (): Promise<Page> => cast.loggedIn('root', /\/adminapp\/dashboard\/$/);

  it('shows the log and an original that fit a phone, downloads the .eml, and refreshes the dashboard’s email figures', async () => {
    const longWord = 'Supercalifragilistic'.repeat(8);
    const mail = rawMail({
      from: 'Carla Customer <carla@example.com>',
      subject: `Printer on fire ${longWord}`,
      text: `It is on fire.\n${longWord}`,
      headers: { References: Array.from({ length: 12 }, (_, i) => `<earlier-${i}.${longWord}@customer.example>`).join(' ') },
    });
    const first = await ingest(t.ctx, mail, 'imap');
    await ingest(t.ctx, rawMail({ from: 'Dan <dan@example.com>', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }), 'pipe');
    const page = await admin();
    await cast.photographedOnFailure(async () => {
      await page.goto('/admin/');
      await page.getByRole('link', { name: 'Inbound mail' }).click();
      await page.waitForURL(/\/admin\/inbound\/$/);
      expect(await page.locator('#inbound-list tbody tr').count()).toBe(2);
      await cast.look(page, '1 inbound log');

      await page.getByRole('link', { name: /^Printer on fire/ }).click();
      await page.waitForURL(new RegExp(`/admin/inbound/${first.mailId}/$`));
      expect(await page.locator('#inbound-text').textContent()).toContain('It is on fire.');
      await cast.look(page, '2 original');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the original (.eml)' }).click()]);
      expect(download.suggestedFilename()).toBe(`mail-${first.mailId}.eml`);
      expect(readFileSync((await download.path())!).equals(mail)).toBe(true);

      await page.goto('/adminapp/dashboard/');
      await page.waitForSelector('#dashboard[data-charts="ready"]');
      expect(await page.locator('[data-kpi="mail.inbound_24h.created"]').textContent()).toBe('1');
      await cast.look(page, '3 dashboard email figures');
      await ingest(t.ctx, rawMail({ from: 'Erin <erin@example.com>', subject: 'Another fire' }), 'http');
      await page.waitForFunction(() => document.querySelector('[data-kpi="mail.inbound_24h.created"]')?.textContent === '2');
      expect(await page.locator('[data-kpi="mail.inbound_24h.total"]').textContent()).toBe('3');
    });
  });
});
