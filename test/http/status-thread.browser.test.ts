/**
 * The status-page conversation in a real browser (Debian's Chromium through playwright-core):
 * a reply from the team appears without a reload and is read out, the customer's draft is left
 * alone; the customer answers through the form, with a file; a closed request's form opens a follow-up. The
 * pages pass axe-core's serious and critical checks, with and without form errors.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, Client, submitViaForm } from '../support/app.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type LiveApp, startLiveApp } from '../live/support.js';

const TEST = 'status thread';

describe('the status-page conversation in a browser', () => {
  let database: TestDatabase;
  let live: LiveApp;
  let browser: Browser;
  let alice: number;
  beforeAll(async () => {
    database = await freshDatabase('sqlite');
    live = await startLiveApp(database.handle, database.url);
    alice = await addStaff(live.ctx, 'alice', { capacity: 10, displayName: 'Alice Agent' });
    // Logged in once, so she is available and takes the requests.
    await new Client(live.app).login('alice');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await live.close();
    await database.drop();
  });

  async function customerPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
    });
    page.on('response', (response) => {
      // The 400 of a refused form is the answer under test, not a problem.
      if (response.status() >= 400 && response.status() !== 400) problems.push(`${response.status()} ${response.url()}`);
    });
    return { page, problems };
  }

  it('shows the team’s reply without a reload, keeps the draft, and sends the customer’s answer', async () => {
    const token = await submitViaForm(new Client(live.app), { title: 'Router blinks', description: 'The router blinks red.' });
    const ticket = (await findTicketByToken(live.ctx.handle.db, token))!;
    expect(ticket.agent_id).toBe(alice);
    const { page, problems } = await customerPage();
    await page.goto(`${live.baseUrl}/tickets/status/${token}/`);
    expect(await page.locator('.waiting-on').textContent()).toBe('We are working on it');
    await page.fill('#body', 'A draft I am still writing');
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));

    await postStaffMessage(live.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'Please restart it.', close: false, seen: null, channel: 'web' });
    const last = page.locator('.public-thread li:last-child');
    await expect.poll(() => last.textContent(), { timeout: 8000 }).toContain('Please restart it.');
    expect(await last.locator('.message-author').textContent()).toBe('Alice Agent');
    expect(await page.locator('#status-news').textContent()).toBe('New reply from Alice Agent');
    expect(await page.locator('.waiting-on').textContent()).toBe('Waiting for your answer');
    expect(await page.inputValue('#body')).toBe('A draft I am still writing');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, TEST, '01 reply arrived');

    // Sent empty: the page comes back with the message by the field, announced, and accessible.
    await page.fill('#body', '   ');
    await Promise.all([page.waitForLoadState('load'), page.click('#reply button[type=submit]')]);
    await page.locator('#body-error').waitFor();
    expect(await page.locator('#body-error').textContent()).toBe('Your message: write a message.');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, TEST, '02 empty message refused');
    // The window shows the form's address now; the page still refreshes from its own (it fetched
    // .../reply/, a 404, every 5 s).
    const refreshed = await page.waitForResponse((response) => response.request().headers()['x-helpdesk-refresh'] === '1', { timeout: 8000 });
    expect(new URL(refreshed.url()).pathname).toBe(`/tickets/status/${token}/`);
    expect(refreshed.status()).toBe(200);

    await page.fill('#body', 'Restarted. Now it blinks green.');
    await page.setInputFiles('#attachments', [{ name: 'router.txt', mimeType: 'text/plain', buffer: Buffer.from('LED: green') }]);
    await Promise.all([page.waitForURL(`**/tickets/status/${token}/`), page.click('#reply button[type=submit]')]);
    expect(await page.locator('[data-flash=success]').textContent()).toContain('Your message is added');
    expect(await page.locator('.public-thread li:last-child .message-body').textContent()).toBe('Restarted. Now it blinks green.');
    expect(await page.locator('.public-thread li:last-child .message-files a').textContent()).toBe('router.txt');
    expect(await page.locator('.waiting-on').textContent()).toBe('We are working on it');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('on a closed request, the form opens a follow-up and the customer lands on it', async () => {
    const token = await submitViaForm(new Client(live.app), { title: 'Invoice wrong' });
    const ticket = (await findTicketByToken(live.ctx.handle.db, token))!;
    await closeTicket(live.ctx, { id: alice, role: 'agent' }, ticket.id);
    const { page, problems } = await customerPage();
    await page.goto(`${live.baseUrl}/tickets/status/${token}/`);
    expect(await page.locator('#reply-title').textContent()).toBe('Write to us again');
    await page.fill('#body', 'The new invoice is wrong too.');
    await Promise.all([page.waitForURL((url) => !url.pathname.includes(token)), page.click('#reply button[type=submit]')]);
    expect(await page.locator('.follows-up').textContent()).toContain(`HD-${ticket.id}`);
    expect(await page.locator('h1').textContent()).toContain('Re: Invoice wrong');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, TEST, '03 follow-up');

    await page.click('.follows-up a');
    await page.locator('.follow-ups a').first().waitFor();
    expect(await page.locator('.follow-ups').textContent()).toContain('Re: Invoice wrong');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, TEST, '04 closed lists follow-up');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
