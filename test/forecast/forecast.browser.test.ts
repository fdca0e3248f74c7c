/**
 * The staffing forecast's page (§14) in Chromium: the form filled and sent on a desk
 * whose history the live services wrote, the figures per number of agents, the chart drawn, the
 * backtest; and the page passing the checks every page passes (axe, no sideways scrolling from 1280
 * down to 390 px: its figure tables scroll inside a labelled region, they made the page 743 px
 * wide on a phone).
 */
import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/core/forecastSim.js';
import { singleTeamWorld } from '../../src/core/forecast.js';
import { addStaff } from '../support/app.js';
import { PHONE, scrollRegion, settle } from '../support/browser.js';
import { FakeClock } from '../support/clock.js';
import { adminBrowserSuite } from '../admin/browser-support.js';
import { arrivals, driveLiveDesk, MIN, shifts } from './support.js';

const TEST = 'forecast';
const START = Date.UTC(2026, 10, 30, 8, 0, 0);
const clock = new FakeClock(START - MIN);

describe('the staffing forecast in Chromium', () => {
  const suite = adminBrowserSuite(
    TEST,
    async (t) => {
      const ids = [];
      for (const name of ['ann', 'bob', 'cy']) ids.push(await addStaff(t.ctx, name, { capacity: 1 }));
      const tickets = arrivals(3, START + MIN, 40, 90_000, () => 4 * MIN);
      const sim = simulate({ tickets, agents: ids.map((id) => ({ id, capacity: 1 })), presence: shifts(ids, START), world: singleTeamWorld(ids), queueOrder: 'oldest', trace: true });
      await driveLiveDesk(t.ctx, clock, tickets, sim);
      clock.set(START + 6 * 3600_000);
    },
    { clock },
  );

  it('runs a forecast from the form and shows the figures, the chart and the backtest', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecast' }).click();
      await page.waitForURL(/\/adminapp\/forecast\/$/);
      for (const [name, value] of [['from', '2026-11-30'], ['to', '2026-11-30'], ['k_min', '1'], ['k_max', '6']]) await page.locator(`input[name=${name}]`).fill(value!);
      await Promise.all([page.waitForURL(/from=2026-11-30/), page.getByRole('button', { name: /forecast/i }).click()]);
      const rows = page.locator('#forecast-rows tbody tr');
      expect(await rows.count()).toBe(6);
      expect(await rows.first().getAttribute('data-agents')).toBe('1');
      expect(await page.locator('#forecast-backtest tbody tr').count()).toBe(2);
      // The chart is drawn: Chart.js holds a chart on the canvas, with a point per number of agents.
      await page.waitForFunction(() => {
        const chart = (window as unknown as { Chart?: { getChart(canvas: Element | null): { data: { labels: unknown[] } } | undefined } }).Chart?.getChart(document.getElementById('chart-forecast'));
        return chart?.data.labels.length === 6;
      });
      await suite.cast.look(page, 'forecast');
      // On a phone the figure tables scroll inside their box: the caption wraps in sight, and the
      // hint and the edge shadow say there is more (QA: nothing did).
      await page.setViewportSize(PHONE);
      await settle(page);
      const figures = scrollRegion(page, 'forecast-rows');
      expect(await figures.fits()).toBe(false);
      expect(await figures.captionCut()).toEqual([]);
      await expect.poll(() => figures.cue()).toEqual({ more: 'right', hint: 'Scroll sideways for more columns →', shadows: { left: '0', right: '1' } });
      const backtest = scrollRegion(page, 'forecast-backtest');
      await expect.poll(() => backtest.cue()).toMatchObject({ more: 'right', shadows: { right: '1' } });
    });
  });
});
