/**
 * The forecast page's backtest section says why there is none (SPEC §14): no presence history in
 * the window, or more of it than the backtest reads — never the first when it is the second.
 */
import { describe, expect, it } from 'vitest';
import type { ForecastAnswer } from '../../src/services/forecast.js';
import { ForecastPage } from '../../src/views/forecast.js';
import { renderPage } from '../../src/views/render.js';

const figures = { tickets: 1, breachRate: 0, breachRateByPriority: { high: null, medium: null, low: 0 }, waitP50Ms: 0, waitP90Ms: 0, utilisation: 0.5, unserved: 0 };
const answer = (presenceTruncated: boolean): ForecastAnswer => ({
  request: { from: 0, to: 86_400_000, teamId: null, kMin: 1, kMax: 1, targetPercent: 5, capacity: 2, seed: 1 },
  tickets: 1,
  closedTickets: 1,
  presenceTruncated,
  result: { rows: [{ agents: 1, ...figures }], neededAgents: 1, backtest: null },
  elapsedMs: 10,
});
const page = (presenceTruncated: boolean) =>
  renderPage(ForecastPage({ viewer: { username: 'root', displayName: 'Root', role: 'admin', presence: 'offline' }, csrf: 'x', flash: null, values: {}, errors: {}, teams: [], answer: answer(presenceTruncated) }));

describe('the forecast page without a backtest', () => {
  it('says no presence was recorded when none was', () => {
    expect(page(false)).toContain('No presence was recorded in this window, so there is no staffing to replay.');
  });

  // It said "No presence was recorded" for a window holding too much of it.
  it('says the window holds more presence changes than are read when it does', () => {
    const html = page(true);
    expect(html).toContain('This window holds more presence changes than the backtest reads, so it is left out rather than replayed from part of them');
    expect(html).not.toContain('No presence was recorded');
  });
});
