/**
 * Single sign-on in a real browser (Debian's Chromium through playwright-core): the login page's
 * button, the provider's own login page (`oidc-provider`, in this process), and back to the agent's
 * dashboard; a refused sign-in lands on the login page with its message. Both pages pass axe-core's
 * serious and critical checks.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.js';
import { freePort } from '../support/process.js';
import { startTestProvider, type TestProvider } from '../support/oidcProvider.js';

const TEST = 'single sign-on';

describe('single sign-on in a browser', () => {
  let op: TestProvider;
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    // The app's redirect URL must be known before it listens.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const redirectUrl = `${base}/agents/login/sso/callback/`;
    op = await startTestProvider(redirectUrl);
    t = await startTestApp('sqlite', {
      config: { publicUrl: base, oidc: { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUrl, autoCreate: 'off', label: 'Example SSO' } },
    });
    await t.app.listen({ port, host: '127.0.0.1' });
    await addStaff(t.ctx, 'gus', { displayName: 'Gus Agent' });
    op.accounts.set('gus-at-idp', { email: 'gus@team.test', email_verified: true, name: 'Gus' });
    op.accounts.set('stranger', { email: 'stranger@elsewhere.test', email_verified: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await op?.close();
  });

  async function signInAt(account: string) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/agents/login/`);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign in with Example SSO' }).click();
    // The provider's login page.
    await page.waitForURL(new RegExp(`^${op.issuer}/interaction/`));
    await page.fill('input[name="login"]', account);
    await page.fill('input[name="password"]', 'anything');
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL((url) => url.origin === base);
    return page;
  }

  it('goes from the button through the provider to the dashboard', async () => {
    const page = await signInAt('gus-at-idp');
    expect(new URL(page.url()).pathname).toBe('/agents/dashboard/');
    expect(await page.locator('#presence').getAttribute('data-presence')).toBe('available');
    await screenshot(page, TEST, 'signed in');
  });

  it('brings a refused person back to the login page with what to do', async () => {
    const page = await signInAt('stranger');
    expect(new URL(page.url()).pathname).toBe('/agents/login/sso/callback/');
    expect(await page.getByRole('heading', { name: 'Staff login' }).count()).toBe(1);
    expect(await page.locator('.flash-error').textContent()).toContain('No staff account uses your email address');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, TEST, 'refused');
  });
});
