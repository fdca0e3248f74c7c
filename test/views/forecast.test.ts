/**
 * The forecast page (SPEC §14) as rendered: the backtest section says why there is none (no
 * presence history in the window, or more of it than the backtest reads — never the first when it
 * is the second), and the answer's sentence at the edges of the target and of the range of K.
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
const rendered = (shown: ForecastAnswer) =>
  renderPage(ForecastPage({ viewer: { username: 'root', displayName: 'Root', role: 'admin', presence: 'offline' }, csrf: 'x', flash: null, values: {}, errors: {}, teams: [], answer: shown }));
const page = (presenceTruncated: boolean) => rendered(answer(presenceTruncated));
/** The page of an answer asking `request` (K range, target) and finding `neededAgents`. */
const answering = (request: Partial<ForecastAnswer['request']>, neededAgents: number | null) => {
  const base = answer(false);
  return rendered({ ...base, request: { ...base.request, ...request }, result: { ...base.result, neededAgents } });
};

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

// The answer's rule is "at or under the target" (core/forecast.ts neededAgents), but the page said
// "under": at a target of 0 % (no breach at all) it told the admin "You need 1 agent to keep
// breaches under 0 %", a share no staffing can reach below nothing.
describe('the forecast page’s answer at the edges of the target', () => {
  const withTarget = (targetPercent: number, neededAgents: number | null, kMin = 1, kMax = 1) => answering({ targetPercent, kMin, kMax }, neededAgents);

  it('says "at or under" the target, which a breach rate of 0 % meets at a target of 0 %', () => {
    expect(withTarget(0, 1)).toContain('You need 1 agent to keep breaches at or under 0 %.');
    expect(withTarget(0, 3, 3, 5)).toContain('3 agents keep breaches at or under 0 %, the fewest of this range: start it lower to see whether fewer would do.');
    expect(withTarget(0, null, 1, 4)).toContain('None of 1–4 agents keeps breaches at or under 0 %: try a higher range.');
  });
});

// A range of one value (k_min = k_max = 3) that misses the target read "None of 3–3 agents keeps …".
describe('the forecast page’s answer for a range of one value of K', () => {
  it('names the one value', () => {
    const html = answering({ kMin: 3, kMax: 3 }, null);
    expect(html).toContain('3 agents do not keep breaches at or under 5 %: try a higher range.');
    expect(html).not.toContain('3–3');
  });
});
