/**
 * The data browser's lists in Chromium at a laptop's width (1280), between (1024, 800, 700) and a
 * phone's (390): every cell
 * inside the window and inside its table's box, no cell whose content spills out of it, no table
 * box that scrolls sideways, long texts cut with the whole text in their tooltip; a card per record
 * on the phone with each value under its label; and axe-core finds nothing serious or critical.
 * Boxes are measured (getBoundingClientRect, scrollWidth against clientWidth), not screenshots.
 *
 * One dialect is enough here (SQLite): the lists' queries run on both engines in browser.test.ts
 * and the HTTP tests.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { insertEvent } from '../../src/repositories/events.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff } from '../support/app.js';
import { BETWEEN_WIDTHS, DESKTOP, PHONE, seriousViolations, settle } from '../support/browser.js';
import { adminBrowserSuite } from './browser-support.js';
import { ingest, rawMail } from './mail.js';
import { newTicket } from './support.js';

const TEST = 'admin-tables';
const LONG_WORD = 'Supercalifragilisticexpialidocious'.repeat(2);

/** What is wrong with one table's layout as the page shows it now; empty when it fits. */
async function layoutProblems(page: Page, tableId: string): Promise<string[]> {
  return page.evaluate((id) => {
    const problems: string[] = [];
    const table = document.getElementById(id);
    if (!table) return [`#${id} missing`];
    const width = document.documentElement.clientWidth;
    const box = table.parentElement!;
    if (box.scrollWidth > box.clientWidth) problems.push(`#${id}'s box scrolls sideways: ${box.scrollWidth} > ${box.clientWidth}`);
    if (document.documentElement.scrollWidth > width) problems.push(`the page is wider than the window: ${document.documentElement.scrollWidth} > ${width}`);
    const boxRect = box.getBoundingClientRect();
    // On a phone the header row is visually hidden (a 1 px clipped box, still read by screen readers).
    const head = table.querySelector('thead')!.getBoundingClientRect();
    const headShown = head.width > 1 && head.height > 1;
    const cells = [...table.querySelectorAll<HTMLElement>(headShown ? 'tbody td, thead th' : 'tbody td')].filter((cell) => cell.getClientRects().length > 0);
    if (cells.length === 0) problems.push(`#${id} shows no cell`);
    for (const cell of cells) {
      const r = cell.getBoundingClientRect();
      const name = `${cell.tagName.toLowerCase()}[${cell.dataset.label ?? cell.textContent?.trim().slice(0, 20)}] of row ${cell.parentElement?.dataset.id ?? '?'}`;
      if (r.left < -0.5 || r.right > width + 0.5) problems.push(`${name} is outside the window: ${Math.round(r.left)}–${Math.round(r.right)} of ${width}`);
      if (r.left < boxRect.left - 0.5 || r.right > boxRect.right + 0.5) problems.push(`${name} sticks out of its box: ${Math.round(r.left)}–${Math.round(r.right)}, box ${Math.round(boxRect.left)}–${Math.round(boxRect.right)}`);
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`${name}'s content is wider than the cell: ${cell.scrollWidth} > ${cell.clientWidth}`);
    }
    for (const clamp of table.querySelectorAll<HTMLElement>('.clamp')) {
      if (clamp.title.trim() !== clamp.textContent!.trim()) problems.push(`a cut text has no tooltip with its whole text: ${clamp.textContent!.slice(0, 30)}`);
    }
    return problems;
  }, tableId);
}

/** On a phone: each record a card (one column of "label value" lines), the header row hidden. */
async function cardProblems(page: Page, tableId: string): Promise<string[]> {
  return page.evaluate((id) => {
    const table = document.getElementById(id)!;
    const problems: string[] = [];
    const head = table.querySelector('thead')!.getBoundingClientRect();
    if (head.width > 1 || head.height > 1) problems.push('the header row is visible');
    for (const row of table.querySelectorAll<HTMLElement>('tbody tr')) {
      const lefts = new Set([...row.children].map((cell) => Math.round(cell.getBoundingClientRect().left)));
      if (lefts.size !== 1) problems.push(`row ${row.dataset.id ?? '?'} is not one column of lines`);
      for (const cell of row.querySelectorAll<HTMLElement>('td')) {
        if (getComputedStyle(cell, '::before').content !== `"${cell.dataset.label}"`) problems.push(`a cell of row ${row.dataset.id ?? '?'} shows no label`);
      }
    }
    return problems;
  }, tableId);
}

describe('the data browser’s tables in Chromium', () => {
  const suite = adminBrowserSuite(TEST, async (t) => {
    const alice = await addStaff(t.ctx, 'alice', { displayName: `Alice ${LONG_WORD}` });
    await createApiToken(t.ctx, alice, `Website contact form ${LONG_WORD}`, 'api', alice);
    await addStaff(t.ctx, `bob-${'b'.repeat(50)}`);
    // Long titles, addresses and words everywhere a column could be widened by them.
    for (let i = 0; i < 6; i++) {
      await newTicket(t.ctx, {
        title: i === 0 ? `Printer ${LONG_WORD} on fire and the whole office is full of smoke, please send help at once` : `Request ${i}`,
        email: i === 1 ? `a-very-long-address-${'x'.repeat(40)}@customers-of-a-long-domain.example` : `c${i}@example.com`,
        // The longest name the form takes, without a space (it once made the ticket's pages 1,750 px wide).
        ...(i === 0 ? { name: 'N'.repeat(100) } : {}),
        priority: (['high', 'medium', 'low'] as const)[i % 3],
      });
    }
    const first = (await t.ctx.handle.db.selectFrom('tickets').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    await insertEvent(t.ctx.handle.db, { ticket_id: first, type: 'sla_breached', at: Date.now(), from_agent_id: alice, to_agent_id: alice, actor_id: null, metric: 'first_response' });
    await ingest(t.ctx, rawMail({ from: `Carla ${LONG_WORD} <carla@example.com>`, subject: `Printer on fire ${LONG_WORD}` }), 'imap');
    await ingest(t.ctx, rawMail({ from: 'Dan <dan@example.com>', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } }), 'pipe');
  });

  const lists = [
    ['/admin/tickets/', 'ticket-list'],
    ['/admin/emails/', 'email-list'],
    ['/admin/users/', 'user-list'],
    ['/admin/events/', 'event-list'],
    ['/admin/inbound/', 'inbound-list'],
    ['/admin/audit/', 'audit-list'],
  ] as const;

  it('fits every list from 1280 down to 390 px: no cell outside the window or its box, cards below 768 px, axe clean', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      for (const [path, tableId] of lists) {
        await page.goto(path);
        expect(await page.locator(`#${tableId} tbody tr`).count(), path).toBeGreaterThan(1);
        for (const size of [DESKTOP, ...BETWEEN_WIDTHS.map((width) => ({ width, height: DESKTOP.height })), PHONE]) {
          await page.setViewportSize(size);
          await settle(page);
          expect.soft(await layoutProblems(page, tableId), `${path} at ${size.width} px`).toEqual([]);
          // Pico's content box is 510 px wide below 768 px: the lists are cards there.
          if (size.width < 768) expect.soft(await cardProblems(page, tableId), `${path} at ${size.width} px`).toEqual([]);
        }
        await page.setViewportSize(DESKTOP);
        await suite.cast.look(page, path);
      }
    });
  });

  it('fits a ticket’s own pages and a user’s page from 1280 down to 390 px whatever was typed', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    const first = (await suite.t.ctx.handle.db.selectFrom('tickets').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
    await suite.cast.photographedOnFailure(async () => {
      for (const path of [`/admin/tickets/${first}/`, `/agents/tickets/${first}/`]) {
        await page.goto(path);
        expect(await page.locator('.facts').first().textContent(), path).toContain('N'.repeat(100));
        await suite.cast.look(page, path);
      }
      // A user's page with an API token: the token table is cards on a phone (Revoke was cut off at 390 px).
      const alice = (await suite.t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
      await page.goto(`/admin/users/${alice}/`);
      expect(await page.locator('tr[data-token]').count()).toBe(1);
      await suite.cast.look(page, 'a user with a token');
    });
  });

  it('names the breached target of an SLA breach and shows no move for it', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await page.goto('/admin/events/?type=sla_breached');
    const row = page.locator('#event-list tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td[data-label="Event"]').textContent()).toBe('SLA breached (first response)');
    expect(await row.locator('td[data-label="Move"]').textContent()).toBe('—');
  });

  it("keeps the admin's header to two rows on a laptop: the brand and the user on top, the ten sections in one row under them", async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await page.goto('/admin/');
    const rows = () =>
      page.evaluate(() => {
        const nav = document.querySelector('body > header nav')!;
        // Where each item's middle is, to 10 px (the Log out button is taller than a link).
        const top = (selector: string) =>
          [...nav.querySelectorAll(selector)].map((element) => {
            const box = element.getBoundingClientRect();
            return Math.round((box.top + box.height / 2) / 10);
          });
        return { brand: top('.brand li'), who: top('.who-group li'), sections: [...new Set(top('.sections li'))], header: Math.round(document.querySelector('body > header')!.getBoundingClientRect().height) };
      });
    for (const width of [1440, DESKTOP.width]) {
      await page.setViewportSize({ width, height: DESKTOP.height });
      await settle(page);
      const { brand, who, sections, header } = await rows();
      // All three in one wrapping row took three rows, 265 px of the 800 px window at 1280.
      expect(who.every((top) => top === brand[0]), `${width} px: the user beside the brand`).toBe(true);
      expect(sections, `${width} px: the sections in one row`).toHaveLength(1);
      expect(sections[0]!, `${width} px: the sections under the brand`).toBeGreaterThan(brand[0]!);
      expect(header, `${width} px: the header's height`).toBeLessThan(170);
    }
    await page.setViewportSize(PHONE);
    await settle(page);
    const phone = await rows();
    expect(phone.who.every((top) => top === phone.brand[0]), '390 px: the user beside the brand').toBe(true);
    expect(phone.header, "390 px: the header's height").toBeLessThan(240);
    await page.setViewportSize(DESKTOP);
  });

  it('links the API docs from the admin navigation; the docs page has a mobile viewport', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      await page.goto('/admin/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API docs' }).click();
      await page.waitForURL(/\/api\/docs\/?$/);
      expect(await page.locator('meta[name="viewport"]').getAttribute('content')).toBe('width=device-width, initial-scale=1');
      await page.waitForSelector('.swagger-ui .info');
      await page.setViewportSize(PHONE);
      await settle(page);
      // With the viewport meta the page lays out at the phone's width (without it, at 980 px).
      expect(await page.evaluate(() => window.innerWidth)).toBe(PHONE.width);
      expect.soft(await seriousViolations(page), '/api/docs at 390 px').toEqual([]);
      await page.setViewportSize(DESKTOP);
      await settle(page);
      expect.soft(await seriousViolations(page), '/api/docs at 1280 px').toEqual([]);
    });
  });
});
