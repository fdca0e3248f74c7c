/**
 * Auto-away in a real browser (issue 23 item 2): an agent whose dashboard is open stays available
 * past the limit (its live stream is an open page); once the tab is closed the agent goes away
 * after the limit, the next new ticket goes to someone else, and coming back to the dashboard
 * shows why, with "I'm back" (the only way back to available). AUTO_AWAY_MINUTES here is 0.05 (3 s).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presenceCheckMs } from '../../src/core/autoAway.js';
import { startPresenceExpiry } from '../../src/jobs/presenceExpiry.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { findUserById } from '../../src/repositories/users.js';
import { addStaff, Client, listenOnFreePort, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { launchBrowser, seriousViolations } from '../support/browser.js';
import { sleep } from '../support/load.js';

const LIMIT_MINUTES = 0.05;
const LIMIT_MS = LIMIT_MINUTES * 60_000;

describe('auto-away in a browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let job: { stop(): Promise<void> };
  const errors: unknown[] = [];
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { config: { autoAwayMinutes: LIMIT_MINUTES } });
    baseUrl = await listenOnFreePort(t);
    alice = await addStaff(t.ctx, 'alice', { capacity: 5, displayName: 'Alice Agent' });
    bob = await addStaff(t.ctx, 'bob', { capacity: 5, displayName: 'Bob Agent' });
    // The server's presence job, as src/server.ts starts it.
    job = startPresenceExpiry(t.ctx, 480, (error) => errors.push(error), presenceCheckMs(LIMIT_MINUTES), { minutes: LIMIT_MINUTES, openHere: () => t.openPages.here() });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await job?.stop();
    await t.close();
  });

  const presenceOf = async (id: number) => (await findUserById(t.ctx.handle.db, id))!.presence;

  async function dashboard(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/agents/dashboard/`);
    await page.waitForFunction(() => document.documentElement.dataset.live === 'sse');
    return page;
  }

  async function logIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/agents/login/`);
    await page.fill('#username', username);
    await page.fill('#password', 'password123');
    await Promise.all([page.waitForURL('**/agents/dashboard/'), page.click('button[type=submit]')]);
    await page.waitForFunction(() => document.documentElement.dataset.live === 'sse');
    return { context, page };
  }

  it('keeps an open page available, sets a closed one away after the limit, and routes the next ticket elsewhere', async () => {
    const aliceBrowser = await logIn('alice');
    const bobBrowser = await logIn('bob');

    // Three limits with both pages open and nobody clicking anything.
    await sleep(3 * LIMIT_MS);
    expect([await presenceOf(alice), await presenceOf(bob)]).toEqual(['available', 'available']);

    // Alice closes her tab (the browser, and so her session cookie, stays).
    await aliceBrowser.page.close();
    const closedAt = Date.now();
    while ((await presenceOf(alice)) !== 'away' && Date.now() - closedAt < LIMIT_MS + 5_000) await sleep(100);
    expect(await presenceOf(alice)).toBe('away');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(LIMIT_MS - 1_000);
    expect(await presenceOf(bob)).toBe('available');

    const ticket = (await findTicketByToken(t.ctx.handle.db, await submitViaForm(new Client(t.app), { title: 'Urgent after Alice left', priority: 'high' })))!;
    expect(ticket.agent_id).toBe(bob);
    // Pushed to Bob's open page: at once on a quiet machine, seconds under a loaded CI run (a wait, not a bound).
    await bobBrowser.page.locator(`tr[data-ticket="HD-${ticket.id}"]`).waitFor({ timeout: 15_000 });

    // Alice comes back to the dashboard: still away, told why, and "I'm back" is hers to press.
    const back = await dashboard(aliceBrowser.context);
    await sleep(LIMIT_MS);
    expect(await presenceOf(alice)).toBe('away');
    const notice = back.locator('#auto-away-notice');
    expect(await notice.textContent()).toContain('You were set away after 3 seconds without an open page.');
    expect(await seriousViolations(back)).toEqual([]);
    await Promise.all([back.waitForURL('**/agents/dashboard/'), back.getByRole('button', { name: "I'm back" }).click()]);
    await back.waitForFunction(() => document.querySelector('#presence')?.getAttribute('data-presence') === 'available');
    expect(await presenceOf(alice)).toBe('available');
    expect(await back.locator('#auto-away-notice').count()).toBe(0);
    expect(errors).toEqual([]);
    await aliceBrowser.context.close();
    await bobBrowser.context.close();
  });
});
