/**
 * The staff ticket page and the canned replies page in a real browser (Debian's Chromium through
 * playwright-core). An agent replies with a file and adds a note; with JavaScript off it sends a
 * canned reply by choosing it alone (the form works without scripts). Each page has no serious or
 * critical accessibility violation (axe-core) and nothing wider than a phone.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in
 * test/http/staff-ticket.test.ts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { reassignTicket } from '../../src/services/admin.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { newTicket } from '../admin/support.js';
import { addStaff, startTestApp, type TestApp, listenOnFreePort } from '../support/app.js';
import { launchBrowser, overflowOf, PHONE, seriousViolations, settle, shoot } from '../support/browser.js';

const TEST = 'staff-ticket';

describe('the staff ticket page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let ana: number;
  let root: number;
  const contexts: BrowserContext[] = [];
  /** Script errors and failed loads (not pages answered 4xx on purpose) per page. */
  const problems = new Map<Page, string[]>();

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listenOnFreePort(t);
    ana = await addStaff(t.ctx, 'ana', { capacity: 5, displayName: 'Ana Agent' });
    root = await addStaff(t.ctx, 'root', { role: 'admin', displayName: 'Ada Admin' });
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
  });

  async function loggedIn(username: string, javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled, baseURL: base, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('pageerror', (error) => seen.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400 && response.request().resourceType() !== 'document') seen.push(`${response.status()} ${response.url()}`);
    });
    await page.goto('/agents/login/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/(agents\/dashboard|adminapp\/dashboard)\//);
    return page;
  }

  /** axe-core finds nothing serious, and the page is no wider than a phone (JavaScript on: axe needs it). */
  async function looksRight(page: Page, step: string): Promise<void> {
    expect(await seriousViolations(page), `axe on ${step}`).toEqual([]);
    await page.setViewportSize(PHONE);
    await settle(page);
    await shoot(page, TEST, step, 'phone');
    expect(await overflowOf(page), `${step} is wider than a phone`).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  /** A ticket Ana holds, placed by the admin while she is away, so the test knows where it is. */
  async function anasTicket(): Promise<number> {
    await changePresence(t.ctx, ana, 'away');
    const id = await newTicket(t.ctx, { name: 'Carla Customer', description: 'The printer shows error 42 and a long message: ' + 'x'.repeat(300) });
    await reassignTicket(t.ctx, root, id, 'ana');
    return id;
  }

  it('an agent replies with a file and adds a note; the page and its error state pass axe and fit a phone', async () => {
    const page = await loggedIn('ana');
    const id = await anasTicket();
    await postStaffMessage(t.ctx, { id: root, role: 'admin' }, id, { kind: 'note', body: 'Known issue with model 42.', close: false, seen: null, channel: 'web' });

    await page.goto(staffTicketPath(id));
    await expect.poll(() => page.locator('#thread article').count()).toBe(2);
    await expect.poll(() => page.locator('#thread article.message-note').textContent()).toContain('Internal note');
    await looksRight(page, 'ticket');

    await page.getByLabel('Message').fill('Please try the attached steps.');
    await page.getByLabel('Attachments').setInputFiles({ name: 'steps.txt', mimeType: 'text/plain', buffer: Buffer.from('1. off\n2. on') });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`**${staffTicketPath(id)}`);
    expect(await page.locator('[data-flash]').textContent()).toContain('Reply sent to the customer');
    const reply = page.locator('#thread article').last();
    expect(await reply.textContent()).toContain('Please try the attached steps.');
    expect(await reply.locator('.attachments a').textContent()).toBe('steps.txt');

    await page.getByLabel('Internal note (staff only, never sent)').check();
    await page.getByLabel('Message').fill('Customer will call back.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`**${staffTicketPath(id)}`);
    expect(await page.locator('#thread article.message-note').last().textContent()).toContain('Customer will call back.');

    // An empty message comes back with the field marked, on a page that still passes the checks.
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('#body-error').textContent()).toBe('Message: write a message.');
    await looksRight(page, 'ticket with an error');

    await page.goto('/agents/dashboard/');
    await page.getByRole('link', { name: new RegExp(`HD-${id}`) }).click();
    await page.waitForURL(`**${staffTicketPath(id)}`);
    // The page's own script (src/public/ticket-page.js) runs on this markup without an error.
    expect(problems.get(page)).toEqual([]);
  });

  it('without JavaScript, choosing a canned reply alone sends its text with the placeholders filled', async () => {
    const cannedId = await saveCannedReply(t.ctx, null, { name: 'Restart', body: 'Hello {{customer_name}}, please restart it. {{agent_name}}' }, null);
    const page = await loggedIn('ana', false);
    const id = await anasTicket();
    await page.goto(staffTicketPath(id));
    await page.getByLabel('Canned reply').selectOption(String(cannedId));
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`**${staffTicketPath(id)}`);
    expect(await page.locator('[data-flash]').textContent()).toContain('Reply sent to the customer');
    expect(await page.locator('#thread article').last().textContent()).toContain('Hello Carla Customer, please restart it. Ana Agent');
  });

  it('a ticket moved away while its page is open: the reply sent from it comes back as "No longer yours" with the text to copy, and that page passes the same checks', async () => {
    const id = await anasTicket();
    const page = await loggedIn('ana');
    await page.goto(`/agents/tickets/${id}/`);
    await page.locator('#reply-form textarea[name="body"]').fill('The fix is on its way.');
    await addStaff(t.ctx, 'ben', { displayName: 'Ben Builder' });
    await reassignTicket(t.ctx, root, id, 'ben');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'No longer yours' }).waitFor();
    expect(await page.locator('main').textContent()).toContain(`HD-${id} was moved to Ben Builder by Ada Admin.`);
    expect(await page.getByLabel('Copy it if you still need it:').inputValue()).toBe('The fix is on its way.');
    await shoot(page, TEST, 'no longer yours', 'desktop');
    expect(await overflowOf(page), 'no longer yours is wider than 1280 px').toBeLessThanOrEqual(0);
    await looksRight(page, 'no longer yours');
  });

  it('the canned replies page passes the same checks', async () => {
    await saveCannedReply(t.ctx, null, { name: 'Greeting', body: 'Hello {{customer_name}}, thank you for writing to us about {{reference}}.' }, null);
    const page = await loggedIn('root');
    await page.getByRole('link', { name: 'Canned replies' }).click();
    await page.waitForURL('**/adminapp/replies/');
    await looksRight(page, 'canned replies');
    await page.getByLabel('Name').fill('GREETING');
    await page.getByLabel('Text').fill('Another text');
    await page.getByRole('button', { name: 'Add canned reply' }).click();
    await expect.poll(() => page.locator('#name-error').textContent()).toBe('Name: this name is taken: choose another one.');
    await looksRight(page, 'canned replies with an error');
  });
});
