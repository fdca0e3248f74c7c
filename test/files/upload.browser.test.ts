/**
 * Attachments on the ticket form in a real browser (Debian's Chromium through playwright-core)
 * against the real app on a real port (§10.1):
 * - a customer who attaches a 30 MB file sees the form again with the message and their values,
 *   not the browser's "connection reset" page (the server reads the whole upload before its 413);
 * - a small PNG creates the ticket, and the staff link of the attachment shows the image.
 *
 * SQLite only: the browser part does not depend on the engine, and the same rules run on both
 * engines over HTTP in test/files/attachments.test.ts and test/files/too-large.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffAttachmentPath } from '../../src/http/links.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, startTestApp, type TestApp, listenOnFreePort } from '../support/app.js';
import { DESKTOP, launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { countRows } from './counts.js';
import { TINY_PNG } from './support.js';

const TEST = 'attachments-upload';

describe('attachments on the ticket form in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listenOnFreePort(t);
    const alice = await addStaff(t.ctx, 'alice', { capacity: 5, displayName: 'Alice Agent' });
    await changePresence(t.ctx, alice, 'available');
    dir = mkdtempSync(join(tmpdir(), 'helpdesk-uploads-'));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function customer(): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC', baseURL: base });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    return page;
  }

  async function fillForm(page: Page, title: string): Promise<void> {
    await page.goto('/tickets/create/');
    await page.getByLabel('Your name').fill('Carla Customer');
    await page.getByLabel('Your email').fill('carla@example.com');
    await page.getByLabel('Subject').fill(title);
    await page.getByLabel('Description').fill('The scanner makes a grinding noise; the scan is attached.');
  }

  it('a 30 MB file brings the form back with the message and the values kept, not a network error', async () => {
    const big = join(dir, 'scan-30mb.tiff');
    writeFileSync(big, Buffer.alloc(30 * 1024 * 1024, 1));
    const page = await customer();
    await fillForm(page, 'Scanner grinding');
    expect(await seriousViolations(page), 'axe on the form with its file input').toEqual([]);
    await page.getByLabel('Screenshots or files (optional)').setInputFiles(big);
    const before = await countRows(t.ctx);
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send request' }).click()]);
    // A network error would leave no response (or Chromium's own error page at chrome-error://).
    expect(response?.status()).toBe(413);
    expect(new URL(page.url()).pathname).toBe('/tickets/create/');
    await expect.poll(() => page.locator('.error-summary').textContent()).toContain('“scan-30mb.tiff” is larger than 10 MB');
    expect(await page.locator('#attachments-error').textContent()).toContain('each file may be at most 10 MB');
    expect(await page.getByLabel('Subject').inputValue()).toBe('Scanner grinding');
    expect(await page.getByLabel('Description').inputValue()).toContain('grinding noise');
    expect(await countRows(t.ctx)).toEqual(before);
    expect(await seriousViolations(page), 'axe on the form that came back').toEqual([]);
    await screenshot(page, TEST, 'too-large');
    await page.context().close();
  });

  it('a small PNG creates the ticket, and its staff link shows the image', async () => {
    const png = join(dir, 'screenshot.png');
    writeFileSync(png, TINY_PNG);
    const page = await customer();
    await fillForm(page, 'Error dialog');
    await page.getByLabel('Screenshots or files (optional)').setInputFiles(png);
    await Promise.all([page.waitForURL(/\/tickets\/createsuccess\//), page.getByRole('button', { name: 'Send request' }).click()]);
    const token = new URL(page.url()).searchParams.get('t')!;
    const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
    const [file] = await t.ctx.handle.db.selectFrom('attachments').selectAll().where('ticket_id', '=', ticket.id).execute();
    expect(file).toMatchObject({ filename: 'screenshot.png', content_type: 'image/png', size: TINY_PNG.length });
    await page.context().close();

    const staff = await customer();
    await staff.goto('/agents/login/');
    await staff.getByLabel('Username').fill('alice');
    await staff.getByLabel('Password').fill('password123');
    await Promise.all([staff.waitForURL(/\/agents\/dashboard\//), staff.getByRole('button', { name: /log in/i }).click()]);
    const shown = await staff.goto(staffAttachmentPath(file!));
    expect(shown?.status()).toBe(200);
    expect(shown?.headers()['content-type']).toBe('image/png');
    expect(shown?.headers()['content-disposition']).toMatch(/^inline;/);
    expect(Buffer.from(await shown!.body()).equals(TINY_PNG)).toBe(true);
    // Chromium shows an image document: the one <img>, decoded to the PNG's 1×1 pixel.
    await expect.poll(() => staff.evaluate(() => (document.images[0]?.complete ? document.images[0].naturalWidth : 0))).toBe(1);
    await staff.context().close();
  });
});
