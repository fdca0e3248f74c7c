/** The setup the admin browser tests share: an app on SQLite on a free port, Chromium, and an admin `root`. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { addStaff, listenOnFreePort, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';

export interface AdminBrowser {
  readonly t: TestApp;
  readonly cast: Cast;
}

/**
 * Registers the suite's beforeAll (app, browser, admin `root`, then `seed`) and afterAll (every
 * context, the browser and the app closed); the returned object is filled in before the tests run.
 */
export function adminBrowserSuite(test: string, seed: (t: TestApp) => Promise<void> = async () => {}, options: Parameters<typeof startTestApp>[1] = {}): AdminBrowser {
  const suite = {} as { t: TestApp; cast: Cast; browser: Browser };
  beforeAll(async () => {
    [suite.t, suite.browser] = await Promise.all([startTestApp('sqlite', options), launchBrowser()]);
    suite.cast = new Cast(suite.browser, await listenOnFreePort(suite.t), test);
    await addStaff(suite.t.ctx, 'root', { role: 'admin' });
    await seed(suite.t);
  });
  afterAll(async () => {
    for (const context of suite.cast?.contexts ?? []) await context.close();
    await suite.browser?.close();
    await suite.t?.close();
  });
  return suite;
}

/** The id of the suite's admin `root`, for a seed that acts as it (an API token, an audit actor). */
export async function rootIdOf(t: TestApp): Promise<number> {
  return (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id;
}
