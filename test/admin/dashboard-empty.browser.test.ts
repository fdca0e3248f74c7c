/**
 * The admin dashboard of a desk with nothing to show yet, in Chromium, and the same page once there
 * is something: a new desk's admin opens it first, and it stays open while agents are registered
 * and the first tickets come in (the page keeps itself current, README "Admin pages").
 *
 * One dialect is enough here (SQLite): the script does not depend on the engine.
 */
import { describe, expect, it } from 'vitest';
import { addStaff } from '../support/app.js';
import { adminBrowserSuite } from './browser-support.js';

const TEST = 'dashboard empty';

describe('the admin dashboard of an empty desk in Chromium', () => {
  const suite = adminBrowserSuite(TEST);

  // The "No agents yet" note was drawn by the server only: the script added the first agent's row
  // beside it and left it there, so the page said there were no agents above an agent.
  it('stops saying there are no agents once the first one appears', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.locator('#dashboard[data-charts="ready"]').waitFor();
      const none = page.getByText('No agents yet.');
      expect(await none.isVisible()).toBe(true);
      await addStaff(suite.t.ctx, 'ana');
      await page.locator('tr[data-agent="ana"]').waitFor({ timeout: 15_000 });
      expect(await none.isVisible()).toBe(false);
    });
  }, 60_000);
});
