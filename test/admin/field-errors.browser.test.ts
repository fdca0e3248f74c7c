/**
 * Field errors in Chromium: each message in the error summary and under its field starts with the
 * label the field shows, the field is described by its error alone while the hint is hidden, and
 * axe-core finds nothing serious or critical on the form that came back.
 *
 * One dialect is enough here (SQLite): the 400 pages with labelled messages run on both engines in
 * register-settings, settings-targets, calendars, canned-replies and actions.test.ts, and the
 * messages themselves in test/core/fieldErrors.test.ts.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addStaff } from '../support/app.js';
import { adminBrowserSuite } from './browser-support.js';

const TEST = 'field-errors';

interface FieldReport {
  field: string;
  label: string;
  summary: string;
  error: string;
  describedBy: string | null;
  hintShown: boolean | null;
}

/** Each field the error summary links to: its label, both messages, what describes it, and whether its hint shows. */
function fieldReports(page: Page): Promise<FieldReport[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLAnchorElement>('.error-summary a[href^="#"]')].map((link) => {
      const id = link.getAttribute('href')!.slice(1);
      const field = document.getElementById(id) as HTMLInputElement;
      // The label's own words: what names the field (aria-labelledby), else the label's first text,
      // before the input and the notes inside it.
      const labelElement = field.labels?.[0];
      const named = field.getAttribute('aria-labelledby');
      const label = named ? (document.getElementById(named)?.textContent?.trim() ?? '') : labelElement ? [...labelElement.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent!.trim()).filter(Boolean).join(' ') : '';
      const hint = document.getElementById(`${id}-hint`);
      return {
        field: id,
        label,
        summary: link.textContent!.trim(),
        error: document.getElementById(`${id}-error`)?.textContent?.trim() ?? '',
        describedBy: field.getAttribute('aria-describedby'),
        hintShown: hint === null ? null : hint.getClientRects().length > 0,
      };
    }),
  );
}

function expectLabelled(reports: FieldReport[], fields: string[]): void {
  expect(reports.map((r) => r.field).sort()).toEqual([...fields].sort());
  for (const r of reports) {
    expect(r.label, r.field).not.toBe('');
    expect(r.summary.startsWith(r.label), `${r.field}: “${r.summary}” starts with “${r.label}”`).toBe(true);
    expect(r.error).toBe(r.summary);
    expect(r.describedBy, r.field).toBe(`${r.field}-error`);
    expect(r.hintShown, `${r.field}'s hint is hidden while its error shows`).not.toBe(true);
  }
}

describe('field errors in Chromium', () => {
  let aliceId: number;
  const suite = adminBrowserSuite(TEST, async (t) => {
    aliceId = await addStaff(t.ctx, 'alice');
  });

  it('names the field in every message of the profile, settings and register forms, and hides the hints meanwhile', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.goto(`/admin/users/${aliceId}/`);
      // Before: the hint describes the field.
      expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('password-hint');
      await page.locator('#email').fill('not-an-address');
      await page.locator('#password').fill('short');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.waitForSelector('.error-summary');
      const profile = await fieldReports(page);
      expectLabelled(profile, ['email', 'password']);
      expect(profile.find((r) => r.field === 'password')!.summary).toBe('New password: at least 8 characters.');
      await suite.cast.look(page, 'profile errors');

      await page.goto('/adminapp/settings/');
      await page.locator('#sla_high').fill('soon');
      await page.locator('#default_capacity').fill('0');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.waitForSelector('.error-summary');
      const settings = await fieldReports(page);
      expectLabelled(settings, ['sla_high', 'default_capacity']);
      expect(settings.find((r) => r.field === 'sla_high')!.summary).toBe('Resolution (high): enter a duration such as 45s, 4m, 1h or 1h30m.');
      // A field without an error keeps its hint.
      expect(await page.locator('#queue_order-hint').isVisible()).toBe(true);
      await suite.cast.look(page, 'settings errors');

      // A taken username (the database's finding) comes in the same answer as the form's own errors.
      await page.goto('/adminapp/register/');
      await page.locator('#username').fill('ALICE');
      await page.locator('#password').fill('short');
      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await page.waitForSelector('.error-summary');
      const register = await fieldReports(page);
      expectLabelled(register, ['username', 'password']);
      expect(register.find((r) => r.field === 'username')!.summary).toBe('Username: this username is taken.');
    });
  });
});
