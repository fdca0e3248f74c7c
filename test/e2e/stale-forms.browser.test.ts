/**
 * Forms sent too late, in a real browser (Debian's Chromium through playwright-core), the cookies
 * cleared between typing and sending as a browser restart or an ended session clears them:
 * - the customer form comes back (403) with every value kept, the notice focused, the file to be
 *   chosen again, and sends the second time; the status page's reply form likewise;
 * - an agent's reply leads to the login, which comes back to the ticket, where the draft is back in
 *   the box (ticket-page.js keeps it in sessionStorage) and a customer message that came meanwhile
 *   still holds it back once; once sent it is forgotten.
 *
 * SQLite only: the engines are both driven over HTTP in test/http/expired-forms.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { threadPage } from '../../src/repositories/messages.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { countRows } from '../files/counts.js';
import { TINY_PNG } from '../files/support.js';
import { addStaff, Client, listenOnFreePort, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { DESKTOP, launchBrowser, screenshot, seriousViolations } from '../support/browser.js';

const TEST = 'stale-forms';
const DESCRIPTION = `${'The label printer feeds two labels at once and then jams. '.repeat(40)}Tried: new roll, restart, cleaning.`;

describe('forms sent too late, in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let dir: string;
  let alice: number;
  const contexts: BrowserContext[] = [];
  /** Script errors per page (the 403 answers themselves are expected). */
  const errors = new Map<Page, string[]>();

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listenOnFreePort(t);
    alice = await addStaff(t.ctx, 'alice', { capacity: 5, displayName: 'Alice Agent' });
    await changePresence(t.ctx, alice, 'available');
    dir = mkdtempSync(join(tmpdir(), 'helpdesk-stale-'));
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC', baseURL: base });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const seen: string[] = [];
    errors.set(page, seen);
    page.on('pageerror', (error) => seen.push(error.message));
    return page;
  }

  it('the customer form whose cookie went comes back filled in, asks for the file again, and sends the second time', async () => {
    const png = join(dir, 'jam.png');
    writeFileSync(png, TINY_PNG);
    const page = await newPage();
    await page.goto('/tickets/create/');
    await page.getByLabel('Your name').fill('Carla Customer');
    await page.getByLabel('Your email').fill('carla@example.com');
    await page.getByLabel('Subject').fill('Label printer jams');
    await page.getByLabel('Description').fill(DESCRIPTION);
    await page.getByLabel('Priority').selectOption('high');
    await page.getByLabel('Screenshots or files (optional)').setInputFiles(png);
    // The browser restarts: its session cookies, the CSRF secret among them, are gone.
    await page.context().clearCookies();
    const before = await countRows(t.ctx);
    const [refused] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send request' }).click()]);
    expect(refused?.status()).toBe(403);
    expect(await countRows(t.ctx)).toEqual(before);
    const notice = page.locator('#form-notice');
    expect(await notice.textContent()).toBe('This form had expired, so nothing was sent. Check your request and send it again. The files you chose are not kept: pick them again.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('form-notice');
    expect(await page.getByLabel('Your name').inputValue()).toBe('Carla Customer');
    expect(await page.getByLabel('Your email').inputValue()).toBe('carla@example.com');
    expect(await page.getByLabel('Subject').inputValue()).toBe('Label printer jams');
    expect(await page.getByLabel('Description').inputValue()).toBe(DESCRIPTION);
    expect(await page.getByLabel('Priority').inputValue()).toBe('high');
    expect(await page.getByLabel('Screenshots or files (optional)').inputValue()).toBe('');
    expect(await seriousViolations(page), 'axe on the form that came back').toEqual([]);
    await screenshot(page, TEST, 'customer-form-came-back');

    await page.getByLabel('Screenshots or files (optional)').setInputFiles(png);
    await Promise.all([page.waitForURL(/\/tickets\/createsuccess\//), page.getByRole('button', { name: 'Send request' }).click()]);
    const ticket = (await findTicketByToken(t.ctx.handle.db, new URL(page.url()).searchParams.get('t')!))!;
    expect([ticket.title, ticket.description, ticket.priority]).toEqual(['Label printer jams', DESCRIPTION, 'high']);
    expect((await countRows(t.ctx)).attachments).toBe(before.attachments + 1);
    expect(errors.get(page)).toEqual([]);
  });

  it("the customer's reply on the status page comes back with the message kept", async () => {
    const token = await submitViaForm(new Client(t.app), { title: 'Reply after a restart' });
    const ticket = (await findTicketByToken(t.ctx.handle.db, token))!;
    const page = await newPage();
    await page.goto(`/tickets/status/${token}/`);
    await page.getByLabel('Your message').fill('It jams again since this morning.');
    await page.context().clearCookies();
    const [refused] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send message' }).click()]);
    expect(refused?.status()).toBe(403);
    expect(await page.locator('#reply-notice').textContent()).toContain('Check your message and send it again.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reply-notice');
    expect(await page.getByLabel('Your message').inputValue()).toBe('It jams again since this morning.');
    await Promise.all([page.waitForURL(new RegExp(`/tickets/status/${token}/$`)), page.getByRole('button', { name: 'Send message' }).click()]);
    const bodies = (await threadPage(t.ctx.handle.db, ticket.id, { publicOnly: true, limit: 100 })).map((m) => m.body);
    expect(bodies).toContain('It jams again since this morning.');
    expect(errors.get(page)).toEqual([]);
  });

  it("an agent's reply after the session ended: the login comes back to the ticket, the draft is back, and once sent it is forgotten", async () => {
    const token = await submitViaForm(new Client(t.app), { title: 'Draft across a login' });
    const id = (await findTicketByToken(t.ctx.handle.db, token))!.id;
    const page = await newPage();
    await page.goto('/agents/login/');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('password123');
    await Promise.all([page.waitForURL(/\/agents\/dashboard\//), page.getByRole('button', { name: 'Log in' }).click()]);
    await page.goto(staffTicketPath(id));
    const draft = 'Hello Carla,\n\nplease try the other tray and tell me whether it still jams.';
    await page.getByLabel('Message').fill(draft);
    // The session ends (cookies gone) while the reply is typed.
    await page.context().clearCookies();
    await Promise.all([page.waitForURL(/\/agents\/login\//), page.getByRole('button', { name: 'Send', exact: true }).click()]);
    expect(new URL(page.url()).searchParams.get('next')).toBe(staffTicketPath(id));
    // Meanwhile the customer writes: the draft was written without it, so it must not slip through.
    await postCustomerMessageOn(t.ctx, id, { body: 'Never mind, it works now!', channel: 'web' });
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('password123');
    await Promise.all([page.waitForURL(new RegExp(`${staffTicketPath(id)}$`)), page.getByRole('button', { name: 'Log in' }).click()]);
    await expect.poll(() => page.getByLabel('Message').inputValue()).toBe(draft);
    expect(await page.locator('.draft-restored').textContent()).toContain('Your unsent message is back in the box.');
    // The message that came meanwhile is marked new (`seen` came back with the draft).
    await expect.poll(() => page.locator('#thread .message-new').allTextContents()).toEqual([expect.stringContaining('Never mind, it works now!')]);
    expect(await seriousViolations(page), 'axe on the ticket page with the draft put back').toEqual([]);
    await screenshot(page, TEST, 'agent-draft-back');

    // Sent as it is, it is held back (409, the draft in the box); sent again, it goes.
    const [held] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send', exact: true }).click()]);
    expect(held?.status()).toBe(409);
    expect(await page.getByLabel('Message').inputValue()).toBe(draft);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send', exact: true }).click()]);
    await page.waitForSelector('[data-flash-event="message-sent"]');
    const bodies = (await threadPage(t.ctx.handle.db, id, { publicOnly: true, limit: 100 })).map((m) => m.body);
    expect(bodies).toContain(draft);
    expect(await page.getByLabel('Message').inputValue()).toBe('');
    // Forgotten: a reload (no flash now) does not bring the sent text back.
    await page.reload();
    expect(await page.getByLabel('Message').inputValue()).toBe('');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('helpdesk-draft:')))).toEqual([]);
    expect(errors.get(page)).toEqual([]);
  });
});
