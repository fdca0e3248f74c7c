/**
 * Staff pages at the narrowest phone width (320 px) when a name was typed without a space: the
 * longest display name the register form takes (100 letters) once made every page its agent saw
 * 1,241 px wide (the name in the header never wrapped), and the team form 1,155 px wide (a
 * fieldset is as wide as its widest checkbox label by default). Measured, not photographed:
 * the page's scroll width against the window's.
 *
 * One dialect is enough here (SQLite): nothing here depends on the database.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { reassignTicket } from '../../src/services/admin.js';
import { adminBrowserSuite } from '../admin/browser-support.js';
import { newTicket } from '../admin/support.js';
import { addStaff } from '../support/app.js';
import { pathOf, settle } from '../support/browser.js';

const NARROWEST = { width: 320, height: 700 } as const;
const LONG_NAME = 'A'.repeat(100);

/** How far the page is wider than a 320 px window, and the elements that stick out past its edge. */
async function sticksOut(page: Page): Promise<string[]> {
  await page.setViewportSize(NARROWEST);
  await settle(page);
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const over = document.documentElement.scrollWidth - width;
    if (over <= 0) return [];
    const outside = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getClientRects().length > 0 && e.getBoundingClientRect().right > width + 1)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${e.className}` : ''}`);
    return [`${over} px too wide`, ...outside.slice(0, 5)];
  });
}

describe('staff pages with a 100-letter name at 320 px', () => {
  let ticket = 0;
  let anaId = 0;
  const suite = adminBrowserSuite('long-names', async (t) => {
    anaId = await addStaff(t.ctx, 'ana', { displayName: LONG_NAME, capacity: 5 });
    const root = (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id;
    ticket = await newTicket(t.ctx, { name: 'Carla Customer' });
    await reassignTicket(t.ctx, root, ticket, 'ana');
  });

  it('the agent’s own pages keep the name in the header inside the window', async () => {
    const page = await suite.cast.loggedIn('ana', /\/agents\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      for (const path of ['/agents/dashboard/', `/agents/tickets/${ticket}/`, '/agents/account/']) {
        await page.goto(path);
        expect.soft(await sticksOut(page), pathOf(page)).toEqual([]);
      }
      // The whole name is still there to read (wrapped, not cut).
      expect(await page.locator('.who a').textContent()).toBe(LONG_NAME);
    });
  });

  it('the admin’s team form and the agent’s user page keep the member boxes inside the window', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await suite.cast.photographedOnFailure(async () => {
      for (const path of ['/adminapp/teams/new/', `/admin/users/${anaId}/`, `/admin/tickets/${ticket}/`, '/adminapp/dashboard/']) {
        await page.goto(path);
        expect.soft(await sticksOut(page), pathOf(page)).toEqual([]);
      }
      await page.goto('/adminapp/teams/new/');
      expect(await page.getByLabel(`${LONG_NAME} (ana)`).count()).toBe(1);
    });
  });
});
