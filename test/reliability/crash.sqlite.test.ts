/** Crash safety on sqlite: SIGKILL mid-load, restart, and nothing acknowledged is lost (see crash-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { crashScenario } from './crash-scenario.js';

describe('a server process killed mid-load (sqlite)', () => {
  it('loses no acknowledged ticket, keeps I1–I4 at every kill, and sends every email after the restart', async () => {
    const report = await crashScenario('sqlite', { kills: 3, seed: 7 });
    console.log('sqlite:', report);
    expect(report.kills).toBe(3);
    // Three restarts of a real server process: slow on a loaded machine, and not a performance target.
  }, 180_000);
});
