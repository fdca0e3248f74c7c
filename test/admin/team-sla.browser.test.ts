/**
 * A team's own SLA on its page in a real browser (Debian's Chromium through playwright-core): the
 * form says what the desk's calendar and targets are now; a first try with one resolution target
 * missing is refused with the message by that field and everything typed kept; then the team
 * counts with 24/7 and its own targets, the list says so, and the form shows them as saved. No
 * serious or critical accessibility violation (axe-core) and nothing wider than a phone, on the
 * form with errors and on the list (Cast.look).
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in team-sla.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { adminBrowserSuite } from './browser-support.js';

describe("a team's own SLA in Chromium", () => {
  const suite = adminBrowserSuite('team-sla', async () => {});

  it('gives a team 24/7 and its own targets after a refused try', async () => {
    const { t, cast } = suite;
    const page = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await cast.photographedOnFailure(async () => {
      await page.goto('/adminapp/teams/new/');
      await page.getByLabel('Name').fill('Night shift');
      const calendar = page.getByLabel('SLA calendar');
      expect(await calendar.locator('option').first().textContent()).toBe('The desk’s (now 24/7)');
      expect(await page.locator('main').textContent()).toContain('now resolution high 1m · medium 4m · low 1h');
      await calendar.selectOption('24/7');
      const high = page.getByRole('group', { name: 'High' });
      const medium = page.getByRole('group', { name: 'Medium' });
      await high.getByLabel('Resolution').fill('30m');
      await high.getByLabel('First response').fill('10m');
      await medium.getByLabel('Resolution').fill('2h');
      await page.getByRole('button', { name: 'Create team' }).click();

      await page.waitForSelector('.error-summary');
      expect(await page.locator('.error-summary').textContent()).toContain('Resolution (low): required with targets of the team’s own (such as 30m, 4h or 1d); or leave every target empty for the desk’s.');
      const low = page.getByRole('group', { name: 'Low' });
      expect(await low.getByLabel('Resolution').getAttribute('aria-invalid')).toBe('true');
      expect(await high.getByLabel('First response').inputValue()).toBe('10m');
      expect(await calendar.inputValue()).toBe('24/7');
      await cast.look(page, '1 team form with a missing target');
      expect(await t.ctx.handle.db.selectFrom('teams').select('name').execute()).toEqual([{ name: 'Support' }]);

      await low.getByLabel('Resolution').fill('1d');
      await page.getByRole('button', { name: 'Create team' }).click();
      await page.waitForURL(/\/adminapp\/teams\/$/);
      const row = page.locator('#teams tbody tr').nth(1);
      expect(await row.textContent()).toContain('high 30m · medium 2h · low 1d; 24/7');
      expect(await page.locator('#teams tbody tr').first().textContent()).toContain('The desk’s');
      await cast.look(page, '2 teams list with an SLA of its own');

      await row.getByRole('link', { name: 'Night shift' }).click();
      expect(await page.getByLabel('SLA calendar').inputValue()).toBe('24/7');
      expect(await page.getByRole('group', { name: 'High' }).getByLabel('First response').inputValue()).toBe('10m');
      expect(await page.getByRole('group', { name: 'Low' }).getByLabel('Resolution').inputValue()).toBe('1d');
    });
  });
});
