/**
 * The reviewer's flow in a real browser (Debian's Chromium through playwright-core) against the
 * real app listening on a real port: a customer, two agents and an admin, each in their own
 * browser context (own cookies), pages updating themselves without reloads.
 *
 * One dialect is enough here: SQLite, because it needs no server and starts in milliseconds; the
 * same flow runs over HTTP on both SQLite and PostgreSQL in test/http/reviewer-flow.test.ts, and
 * the cross-process live updates of PostgreSQL are tested in test/live/.
 *
 * Every step writes full-page screenshots at desktop (1280×800) and phone (390×844) width to
 * test-results/reviewer-flow/, checks with axe-core that the page has no serious or critical
 * accessibility violation, and that nothing is wider than a phone's screen.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, startTestApp, type TestApp, listenOnFreePort } from '../support/app.js';
import { DESKTOP, launchBrowser, overflowOf, pathOf, PHONE, screenshot, seriousViolations, settle, shoot } from '../support/browser.js';

const TEST = 'reviewer-flow';
// Upper bounds only (live updates normally arrive within a second); generous for a loaded CI machine.
const LIVE_MS = 15_000;

describe('the reviewer flow in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listenOnFreePort(t);
    await addStaff(t.ctx, 'alice', { capacity: 3, displayName: 'Alice Agent' });
    await addStaff(t.ctx, 'bob', { capacity: 3, displayName: 'Bob Agent' });
    await addStaff(t.ctx, 'root', { role: 'admin', displayName: 'Ada Admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A new person at the keyboard: own cookies, desktop size, English, UTC (stable screenshots). */
  async function person(): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'UTC', baseURL: base });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(LIVE_MS);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // A page answered with 4xx on purpose (a form with errors, the 404 page) logs "Failed to load
      // resource"; failed scripts, styles and fetches are caught below instead.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && response.request().resourceType() !== 'document') errors.push(`${response.status()} ${response.url()}`);
    });
    pageErrors.set(page, errors);
    return page;
  }
  const pageErrors = new Map<Page, string[]>();

  /**
   * Looks at the page as a reviewer would: screenshots at both widths, axe-core, and no sideways
   * scrolling at phone width. Problems are collected (expect.soft) so one run shows all of them.
   */
  async function look(page: Page, step: string): Promise<void> {
    await page.setViewportSize(DESKTOP);
    await settle(page);
    await shoot(page, TEST, step, 'desktop');
    const violations = await seriousViolations(page);
    expect.soft(violations, `axe: serious/critical violations on ${pathOf(page)} (${step})`).toEqual([]);

    await page.setViewportSize(PHONE);
    await settle(page);
    await shoot(page, TEST, step, 'phone');
    expect.soft(await overflowOf(page), `${pathOf(page)} (${step}) is wider than a phone`).toBeLessThanOrEqual(0);
    await page.setViewportSize(DESKTOP);
    expect.soft(pageErrors.get(page) ?? [], `script errors on ${pathOf(page)}`).toEqual([]);
  }

  async function fileTicket(page: Page, fields: { name: string; email: string; title: string; description: string; priority: 'low' | 'medium' | 'high' }): Promise<string> {
    await page.goto('/tickets/create/');
    await page.getByLabel('Your name').fill(fields.name);
    await page.getByLabel('Your email').fill(fields.email);
    await page.getByLabel('Subject').fill(fields.title);
    await page.getByLabel('Description').fill(fields.description);
    await page.getByLabel('Priority').selectOption(fields.priority);
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.waitForURL(/\/tickets\/createsuccess\//);
    return (await page.locator('.reference').textContent())!.trim();
  }

  async function logIn(page: Page, username: string, password = 'password123'): Promise<void> {
    await page.goto('/agents/login/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }

  const row = (page: Page, reference: string) => page.locator(`#open-tickets tr[data-ticket="${reference}"]`);

  /** On failure, every open page is photographed as it was (test-results/reviewer-flow/failed-*.png). */
  async function photographedOnFailure(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      let n = 0;
      for (const context of contexts) {
        for (const page of context.pages()) {
          n++;
          await screenshot(page, TEST, `failed ${n} ${pathOf(page)}`).catch((shotError: unknown) => console.error('no failure screenshot', shotError));
        }
      }
      throw error;
    }
  }

  it('customer, two agents and an admin, live', () => photographedOnFailure(async () => {
    // --- 1. A customer writes while nobody is online: errors first, then a ticket that waits.
    const customer = await person();
    await customer.goto('/tickets/create/');
    await look(customer, '01 ticket form');

    // Keyboard only: the first Tab reaches the skip link, which leads into the page's content.
    await customer.keyboard.press('Tab');
    expect(await customer.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to content');
    // ...and it is on screen with a focus ring, not just present in the markup.
    const skip = (await customer.locator('.skip-link').boundingBox())!;
    expect(skip.y).toBeGreaterThanOrEqual(0);
    expect(await customer.locator('.skip-link').evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    await customer.keyboard.press('Enter');
    expect(await customer.evaluate(() => document.activeElement?.id)).toBe('main');

    // An empty form, sent with the keyboard: every field is marked and the summary says so.
    await customer.getByLabel('Subject').focus();
    await customer.keyboard.press('Enter');
    await customer.waitForSelector('.error-summary');
    const invalid = await customer.locator('[aria-invalid="true"]').evaluateAll((els) => els.map((el) => [el.id, el.getAttribute('aria-describedby')]));
    expect(invalid.map(([id]) => id)).toEqual(['name', 'email', 'title', 'description']);
    for (const [id, describedBy] of invalid) expect(describedBy?.split(' ')).toContain(`${id}-error`);
    expect(await customer.locator('.error-summary[role="alert"]').textContent()).toContain('4 fields need your attention');
    expect(await customer.evaluate(() => document.activeElement?.classList.contains('error-summary'))).toBe(true);
    await look(customer, '02 ticket form with errors');

    // The summary's links lead to the fields; then the form is filled in by keyboard alone, in
    // the order the page reads: name, email, subject, description, priority, files, send.
    await customer.locator('.error-summary a[href="#name"]').click();
    expect(await customer.evaluate(() => document.activeElement?.id)).toBe('name');
    await customer.keyboard.type('Carla Customer');
    for (const [id, text] of [
      ['email', 'carla@example.com'],
      ['title', 'Printer on fire'],
      ['description', 'It is really on fire.\nThe smoke alarm went off.'],
    ] as const) {
      await customer.keyboard.press('Tab');
      expect(await customer.evaluate(() => document.activeElement?.id)).toBe(id);
      await customer.keyboard.type(text);
    }
    await customer.keyboard.press('Tab');
    expect(await customer.evaluate(() => document.activeElement?.id)).toBe('priority');
    await customer.keyboard.press('Tab');
    expect(await customer.evaluate(() => document.activeElement?.id)).toBe('attachments');
    await customer.keyboard.press('Tab');
    expect(await customer.evaluate(() => document.activeElement?.textContent)).toBe('Send request');
    await customer.keyboard.press('Enter');
    await customer.waitForURL(/\/tickets\/createsuccess\//);
    expect(await customer.locator('.reference').textContent()).toBe('HD-1');
    expect(await customer.locator('.agent-name').textContent()).toBe('Waiting for the next free agent');
    await look(customer, '03 success waiting');

    await customer.getByRole('link', { name: 'Follow request HD-1' }).click();
    await customer.waitForURL(/\/tickets\/status\//);
    const firstStatusUrl = customer.url();
    expect(await customer.locator('.timeline').textContent()).toContain('You wrote to us, and your request joined the queue');
    expect(await customer.locator('.badges').textContent()).toContain('Waiting for an agent');
    await look(customer, '04 status waiting');
    // The customer keeps this page open: it follows the request by itself.
    await customer.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    // --- 2. Alice logs in and finds the waiting ticket on her dashboard.
    const alice = await person();
    await logIn(alice, 'alice');
    await alice.waitForURL(/\/agents\/dashboard\/$/);
    await row(alice, 'HD-1').waitFor();
    expect(await row(alice, 'HD-1').textContent()).toContain('Printer on fire');
    await look(alice, '05 alice dashboard one ticket');

    // --- 3. More tickets arrive from another browser and appear on Alice's page by themselves.
    await alice.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const other = await person();
    expect(await fileTicket(other, { name: 'Dan Doe', email: 'dan@example.com', title: 'VPN drops every hour', description: 'Since Monday.', priority: 'high' })).toBe('HD-2');
    expect(await other.locator('.agent-name').textContent()).toBe('Alice Agent');
    expect(await fileTicket(other, { name: 'Eve Ek', email: 'eve@example.com', title: 'Invoice address wrong', description: 'Please fix the street name.', priority: 'low' })).toBe('HD-3');
    await row(alice, 'HD-2').waitFor();
    await row(alice, 'HD-3').waitFor();
    expect(await alice.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await alice.locator('#open-summary').textContent()).toContain('3 of 3 open');
    await look(alice, '06 alice dashboard three tickets live');

    // Meanwhile the customer's open status page has learnt, without a reload, that Alice took HD-1.
    await customer.locator('.timeline li[data-event="assigned"]').waitFor();
    expect(await customer.locator('.agent-name').textContent()).toBe('Alice Agent');
    expect(await customer.locator('#status-news').textContent()).toMatch(/^Update: Assigned to Alice Agent/);
    expect(await customer.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await look(customer, '06 status assigned live');

    // --- 4. Bob logs in, finds the queue empty and takes Alice's newest ticket; it leaves her page live.
    const bob = await person();
    await logIn(bob, 'bob');
    await bob.waitForURL(/\/agents\/dashboard\/$/);
    await row(bob, 'HD-3').waitFor();
    expect(await bob.locator('#open-tickets tr[data-ticket]').count()).toBe(1);
    await row(alice, 'HD-3').waitFor({ state: 'detached' });
    expect(await alice.locator('#open-tickets tr[data-ticket]').count()).toBe(2);
    expect(await alice.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await look(bob, '07 bob dashboard took the newest');
    await look(alice, '08 alice dashboard after bob');

    const moved = await person();
    // Eve's status page (HD-3) tells the move in words.
    const eveStatus = (await other.getByRole('link', { name: 'Follow request HD-3' }).getAttribute('href'))!;
    await moved.goto(eveStatus);
    const movedText = await moved.locator('.timeline').textContent();
    expect(movedText).toContain('Alice Agent took your request right away');
    expect(movedText).toMatch(/Moved to Bob Agent (right away|\d+ seconds? after you wrote)/);

    // --- 5. Alice closes HD-1: a flash says so, the ticket moves to her closed list.
    await alice.getByRole('button', { name: 'Close HD-1' }).click();
    await alice.waitForSelector('[data-flash="success"]');
    expect(await alice.locator('[data-flash]').textContent()).toContain('HD-1 is closed');
    expect(await row(alice, 'HD-1').count()).toBe(0);
    await alice.locator('tr[data-closed-ticket="HD-1"]').waitFor();
    await look(alice, '09 alice closed one');

    // The customer's status page now tells the whole story in plain words.
    await customer.goto(firstStatusUrl);
    const story = await customer.locator('.timeline li').allTextContents();
    expect(story[0]).toMatch(/^You wrote to us, and your request joined the queue/);
    expect(story[1]).toMatch(/^Assigned to Alice Agent (\d+ seconds?) after you wrote\./);
    expect(story[2]).toMatch(/^Closed by Alice Agent (\d+ seconds?) after you wrote\./);
    expect(await customer.locator('.badges').textContent()).toContain('Closed');
    await look(customer, '10 status closed');

    // --- 6. The admin sees the numbers and three charts drawn.
    const admin = await person();
    await logIn(admin, 'root');
    await admin.waitForURL(/\/adminapp\/dashboard\/$/);
    const kpi = async (name: string) => (await admin.locator(`[data-kpi="${name}"]`).first().textContent())?.trim();
    expect([await kpi('total'), await kpi('pending'), await kpi('open'), await kpi('closed')]).toEqual(['3', '0', '2', '1']);
    for (const id of ['chart-states', 'chart-closed', 'chart-breaches']) {
      await admin.waitForFunction(
        (canvasId) => {
          const canvas = document.getElementById(canvasId) as HTMLCanvasElement | null;
          if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          let drawn = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) drawn++;
          return drawn > 500;
        },
        id,
        { timeout: LIVE_MS },
      );
    }
    await look(admin, '11 admin dashboard');
  }));

  it('every other page passes the same checks: login errors, admin pages, logout, 404', () => photographedOnFailure(async () => {
    const visitor = await person();
    await logIn(visitor, 'alice', 'wrong password');
    expect(await visitor.locator('#login-error[role="alert"]').textContent()).toBe('Wrong username or password.');
    expect(await visitor.locator('#username').getAttribute('aria-invalid')).toBe('true');
    await look(visitor, '20 login failed');

    await visitor.goto('/no/such/page/');
    expect(await visitor.locator('h1').textContent()).toBe('Page not found');
    await look(visitor, '21 not found');

    await visitor.goto('/tickets/status/no-such-token/');
    await look(visitor, '21 unknown status link');

    // An agent with nothing to do sees an empty state, and can step away and back.
    await addStaff(t.ctx, 'carol', { displayName: 'Carol Agent' });
    const carol = await person();
    await logIn(carol, 'carol');
    await carol.waitForURL(/\/agents\/dashboard\/$/);
    expect(await carol.locator('#open-tickets .empty-state').textContent()).toContain('No tickets waiting for you');
    await carol.getByRole('button', { name: 'Set away' }).click();
    await carol.waitForSelector('[data-flash="success"]');
    expect(await carol.locator('[data-flash]').textContent()).toContain('You are away');
    expect(await carol.locator('#presence').textContent()).toContain('Away');
    await look(carol, '22 carol away and empty');
    await carol.getByRole('button', { name: 'Set available' }).click();
    await carol.waitForSelector('#presence[data-presence="available"]');

    const admin = await person();
    await logIn(admin, 'root');
    await admin.waitForURL(/\/adminapp\/dashboard\/$/);
    for (const [path, step] of [
      ['/adminapp/register/', '23 admin register'],
      ['/adminapp/settings/', '24 admin settings'],
      ['/admin/', '25 admin data'],
      ['/admin/tickets/', '26 admin tickets'],
      ['/admin/tickets/1/', '26 admin ticket detail'],
      ['/admin/users/', '27 admin users'],
      ['/admin/users/1/', '27 admin user detail'],
      ['/admin/events/', '28 admin events'],
      ['/admin/emails/', '29 admin emails'],
      // The pages later features added (§10–§15): every staff page is looked at, not only the first ones.
      ['/admin/inbound/', '29 admin inbound mail'],
      ['/admin/audit/', '29 admin audit log'],
      ['/adminapp/teams/', '29 admin teams'],
      ['/adminapp/topics/', '29 admin topics'],
      ['/adminapp/calendars/', '29 admin calendars'],
      ['/adminapp/replies/', '29 admin canned replies'],
      ['/adminapp/webhooks/', '29 admin webhooks'],
      ['/adminapp/forecast/', '29 admin forecast'],
      ['/agents/account/', '29 admin own account'],
    ] as const) {
      const response = await admin.goto(path);
      expect.soft(response?.status(), path).toBe(200);
      await look(admin, step);
    }
    await admin.goto('/adminapp/register/');
    await admin.getByRole('button', { name: 'Register' }).click();
    await admin.waitForSelector('.error-summary');
    await look(admin, '30 admin register with errors');

    await admin.getByRole('button', { name: /^Log out/ }).click();
    await admin.waitForURL(/\/agents\/login\/$/);
    expect(await admin.locator('[data-flash]').textContent()).toBe('You are logged out.');
    await look(admin, '31 logged out');
    // About 25 pages, each photographed twice and checked by axe: 40–60 s alone, more beside other
    // files on two busy cores. A cap against a hang, not a target.
  }), 240_000);
});
