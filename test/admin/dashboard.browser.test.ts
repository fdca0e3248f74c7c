/**
 * The dashboard's "share met per target" chart in a real browser (Debian's Chromium through
 * playwright-core): Chart.js draws the share of each SLA target met per priority from the feed,
 * and a later reply moves the chart and the table without a reload. No serious or critical
 * accessibility violation (axe-core) and nothing wider than a phone.
 *
 * One dialect is enough here (SQLite): the figures are tested on both engines in dashboard-targets.test.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, DESKTOP, launchBrowser, PHONE, scrollRegion, settle } from '../support/browser.js';
import { FakeClock } from '../support/clock.js';
import { newTicket } from './support.js';

const TEST = 'dashboard targets chart';
const S = 1000;

/** The chart's labels and data, as Chart.js holds them. */
function targetsChart(page: Page) {
  return page.evaluate(() => {
    const chart = (globalThis as unknown as { Chart: { getChart(canvas: Element | null): { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } } } }).Chart.getChart(
      document.getElementById('chart-targets'),
    );
    return { labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
  });
}

describe('the share-met chart in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;
  let actor: { id: number; role: 'admin' };
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const reply = (id: number) => postStaffMessage(t.ctx, actor, id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite', { clock }), launchBrowser()]);
    cast = new Cast(browser, await listenOnFreePort(t), TEST);
    actor = { id: await addStaff(t.ctx, 'root', { role: 'admin' }), role: 'admin' };
    await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, firstResponse: { high: 60, medium: null, low: null } });
    // Two high tickets: one answered in 20 s, one past its first response (and both past resolution) when the monitor runs.
    const start = clock.now();
    const answered = await newTicket(t.ctx, { priority: 'high' });
    await newTicket(t.ctx, { priority: 'high' });
    clock.set(start + 20 * S);
    await reply(answered);
    clock.set(start + 70 * S);
    await new SlaMonitor(t.ctx).runOnce();
  });

  afterAll(async () => {
    for (const context of cast?.contexts ?? []) await context.close();
    await browser?.close();
    await t?.close();
  });

  it('draws the share of each target met per priority, and follows a new reply without a reload', async () => {
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      expect(await targetsChart(page)).toEqual({
        labels: ['Resolution', 'First response', 'Next reply'],
        datasets: [
          // High: both resolutions breached (0 %), one first response of two met (50 %), no next-reply clock (none).
          { label: 'High', data: [0, 50, null] },
          { label: 'Medium', data: [null, null, null] },
          { label: 'Low', data: [null, null, null] },
        ],
      });
      await cast.look(page, 'dashboard with targets');
      await page.evaluate(() => Object.assign(window, { sameDocument: true }));

      // A third high ticket answered in time: 2 of 3 first responses met.
      const third = await newTicket(t.ctx, { priority: 'high' });
      clock.advance(5 * S);
      await reply(third);
      const cell = page.locator('[data-kpi="sla.targets.first_response.by_priority.high.met_share"]');
      await expect.poll(() => cell.textContent(), { timeout: 15_000 }).toBe('66.7 %');
      expect((await targetsChart(page)).datasets[0]).toEqual({ label: 'High', data: [0, 66.7, null] });
      expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    });
  }, 60_000);

  it('at 390 px the SLA-targets table shows its whole caption and says it goes on sideways; at desktop width it says nothing', async () => {
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.setViewportSize(PHONE);
      await settle(page);
      const table = scrollRegion(page, 'target-figures');
      // The box scrolls (seven columns do not fit a phone), and the caption wraps inside what it shows.
      expect(await table.fits()).toBe(false);
      expect(await table.captionCut()).toEqual([]);
      await expect.poll(() => table.cue()).toEqual({ more: 'right', hint: 'Scroll sideways for more columns →', shadows: { left: '0', right: '1' } });
      await cast.look(page, 'dashboard targets on a phone');
      // look() ends at desktop width.
      await page.setViewportSize(PHONE);
      await settle(page);

      // Scrolled to the end: the cue turns round; the caption stays in view.
      await table.scrollTo('end');
      await expect.poll(() => table.cue()).toEqual({ more: 'left', hint: '← Scroll back for the first columns', shadows: { left: '1', right: '0' } });
      expect(await table.captionCut()).toEqual([]);
      await table.scrollTo(40);
      await expect.poll(() => table.cue()).toMatchObject({ more: 'left right', hint: '← Scroll sideways for more columns →' });

      // Wide enough: no cue at all.
      await page.setViewportSize(DESKTOP);
      await settle(page);
      expect(await table.fits()).toBe(true);
      await expect.poll(() => table.cue()).toEqual({ more: null, hint: null, shadows: { left: '0', right: '0' } });
    });
  }, 60_000);
});
