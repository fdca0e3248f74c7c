/**
 * The people a customer copies on their mail (README "People copied on a mail") and the CSV
 * exports (README "Export (CSV)") in a real browser (Debian's Chromium through playwright-core).
 * A ticket gets its copied people the real way, from a customer's mail with `Cc:` posted to the
 * inbound route. Its agent sees them on the staff page and takes one off with the Remove button;
 * the customer's status page lists the ones left. An admin takes another off, then downloads the
 * tickets and the audit log from their lists' "Export CSV" links, with and without a filter, and
 * sees a reply's Cc in the outbox (/admin/emails/). Each page passes axe-core and fits a phone.
 *
 * One dialect is enough here (SQLite): both engines are driven over HTTP in
 * test/mail/copied-people.test.ts and test/admin/export.test.ts.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { customerStatusPath, staffTicketPath } from '../../src/http/links.js';
import { reassignTicket } from '../../src/services/admin.js';
import { createApiToken } from '../../src/services/tokens.js';
import { adminBrowserSuite, rootIdOf } from '../admin/browser-support.js';
import { addStaff } from '../support/app.js';
import { DESKTOP, PHONE, RESULTS_DIR, settle } from '../support/browser.js';
import { csvObjects } from '../support/csv.js';
import { customerMail } from '../mail/support/customer-mail.js';
import { postMail } from '../mail/support/raw-mail.js';

const TEST = 'copied-people';
const MAIL_FROM = 'Helpdesk <support@helpdesk.example>';
const DAN = 'dan@customer.example';
const EVE = 'eve@customer.example';
/** A long address with a long name: it must wrap, not push the page sideways on a phone. */
const LONG = 'procurement.department.shared.mailbox.for.invoices@subsidiary-with-a-long-name.customer.example';

describe('people copied on a mail, and the CSV exports, in Chromium', () => {
  let inboundToken = '';
  let rootId = 0;
  let mails = 0;
  const suite = adminBrowserSuite(
    TEST,
    async (t) => {
      rootId = await rootIdOf(t);
      inboundToken = (await createApiToken(t.ctx, rootId, 'mail server', 'inbound')).token;
      await addStaff(t.ctx, 'ana', { capacity: 5, displayName: 'Ana Agent' });
    },
    { config: { mailFrom: MAIL_FROM } },
  );

  /** A customer's mail copying Dan, Eve and the long mailbox, through POST /api/v1/inbound/email; the new ticket, given to `agent`. */
  async function copiedTicket(title: string, agent: string): Promise<number> {
    const raw = customerMail({
      subject: title,
      messageId: `<cc.${++mails}@mail.customer.example>`,
      headers: [`Cc: "Dan Colleague" <${DAN}>, Eve <${EVE}>, "Procurement Department Shared Mailbox" <${LONG}>`],
    });
    const response = await postMail(suite.t.app, inboundToken, raw);
    expect(response.statusCode).toBe(200);
    const { result, ticket } = response.json() as { result: string; ticket: string };
    expect(result).toBe('created');
    const id = Number(ticket.replace('HD-', ''));
    await reassignTicket(suite.t.ctx, rootId, id, agent);
    return id;
  }

  const copiedList = (page: Page) => page.locator('#copied-people .copied-person');
  const copiedAddresses = (page: Page) => copiedList(page).evaluateAll((people) => people.map((p) => p.getAttribute('data-address')));

  /** Clicks the Remove button of `address` (its accessible name says whom) and waits for the page it leads back to. */
  async function remove(page: Page, id: number, address: string): Promise<void> {
    await Promise.all([page.waitForURL(`**${staffTicketPath(id)}`, { waitUntil: 'load' }), page.getByRole('button', { name: `Remove ${address}`, exact: true }).click()]);
  }

  /**
   * What is wrong with the copied list's layout at the current width: a Remove button not beside its
   * person (under it, as when each form was a block of its own), the buttons not in one column, or a
   * person wider than the list (a long address not wrapping).
   */
  const layoutProblems = (page: Page) =>
    page.locator('#copied-people').evaluate((dd) => {
      const problems: string[] = [];
      const width = dd.getBoundingClientRect().right;
      const lefts = new Set<number>();
      for (const item of dd.querySelectorAll('li')) {
        const person = item.querySelector('.copied-person')!.getBoundingClientRect();
        const address = item.querySelector('.copied-person')!.getAttribute('data-address');
        if (person.right > width + 1) problems.push(`${address} runs ${Math.round(person.right - width)} px past the list`);
        const button = item.querySelector('button')?.getBoundingClientRect();
        if (!button) continue;
        lefts.add(Math.round(button.left));
        if (button.top >= person.bottom || button.bottom <= person.top) problems.push(`${address}: its Remove button is not beside it`);
        if (button.left < person.right) problems.push(`${address}: its Remove button overlaps it`);
      }
      if (lefts.size > 1) problems.push(`the Remove buttons are not in one column: ${[...lefts].join(', ')}`);
      return problems;
    });

  /**
   * A screenshot of a part of a live page: the page refetches itself when its event stream opens
   * and swaps a part that changed (live-page.js), so the part shot may be replaced while the shot
   * waits for it to be stable ("Element is not attached to the DOM"); it is shot again, fresh.
   */
  async function shotOfLivePart(page: Page, selector: string, path: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await page.locator(selector).screenshot({ path, animations: 'disabled' });
        return;
      } catch (error) {
        if (attempt === 3 || !String(error).includes('not attached to the DOM')) throw error;
        await settle(page);
      }
    }
  }

  /** Close-ups of the page's facts (the copied list among them) at desktop and phone width (test-results/copied-people/<step>-facts-<width>.png), and the list's layout checked at each. */
  async function photographCopied(page: Page, step: string): Promise<void> {
    mkdirSync(join(RESULTS_DIR, TEST), { recursive: true });
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(size);
      await settle(page);
      await shotOfLivePart(page, 'dl:has(#copied-people)', join(RESULTS_DIR, TEST, `${step}-facts-${label}.png`));
      expect.soft(await layoutProblems(page), `the copied list at ${label} width (${step})`).toEqual([]);
    }
    await page.setViewportSize(DESKTOP);
  }

  it('the agent sees whom the customer copied, removes one with its button, and the status page lists the others', async () => {
    await suite.cast.photographedOnFailure(async () => {
      const id = await copiedTicket('Printer on fire', 'ana');
      const page = await suite.cast.loggedIn('ana', /\/agents\/dashboard\//);
      await page.goto(staffTicketPath(id));
      expect(await copiedAddresses(page)).toEqual([DAN, EVE, LONG]);
      expect(await copiedList(page).allTextContents()).toEqual([`Dan Colleague <${DAN}>`, `Eve <${EVE}>`, `Procurement Department Shared Mailbox <${LONG}>`]);
      await photographCopied(page, 'staff copied');
      await suite.cast.look(page, 'staff copied');

      await remove(page, id, DAN);
      expect(await page.locator('[data-flash]').textContent()).toContain(`${DAN} is no longer copied on HD-${id}.`);
      expect(await copiedAddresses(page)).toEqual([EVE, LONG]);
      expect(await page.locator('#copied-people').textContent()).not.toContain(DAN);
      await photographCopied(page, 'staff one removed');
      await suite.cast.look(page, 'staff one removed');

      // The customer's view, by the page's own link.
      const token = (await suite.t.ctx.handle.db.selectFrom('tickets').select('token').where('id', '=', id).executeTakeFirstOrThrow()).token;
      await Promise.all([page.waitForURL(`**${customerStatusPath(token)}`), page.getByRole('link', { name: 'status page' }).click()]);
      expect(await copiedAddresses(page)).toEqual([EVE, LONG]);
      expect(await page.locator('#copied-people').textContent()).toContain(`Eve <${EVE}>`);
      expect(await page.locator('#copied-people button').count()).toBe(0);
      await photographCopied(page, 'status page copied');
      await suite.cast.look(page, 'status page copied');
    });
  });

  it('an admin removes a copied person, then downloads the tickets and the audit log from the lists’ Export CSV links, filtered and not', async () => {
    await suite.cast.photographedOnFailure(async () => {
      const id = await copiedTicket('Scanner jammed', 'ana');
      const other = await copiedTicket('Toner low', 'ana');
      const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\//);
      await page.goto(staffTicketPath(id));
      await remove(page, id, EVE);
      expect(await copiedAddresses(page)).toEqual([DAN, LONG]);

      /** Clicks the list's Export CSV link; the downloaded file, parsed, and its suggested name. */
      const exported = async () => {
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
        expect(await download.failure()).toBeNull();
        return { name: download.suggestedFilename(), ...csvObjects(await readFile((await download.path())!, 'utf8')) };
      };

      await page.goto('/admin/tickets/');
      await suite.cast.look(page, 'admin tickets');
      const tickets = await exported();
      expect(tickets.name).toMatch(/^tickets-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(tickets.header.slice(0, 4)).toEqual(['reference', 'created_at', 'title', 'customer_name']);
      expect(tickets.rows.map((r) => r.reference)).toEqual(expect.arrayContaining([`HD-${id}`, `HD-${other}`]));

      // Filtered by the list's form: the link carries the search, the file holds the match alone.
      await page.getByText('Filters and search').click();
      await page.getByLabel(/^Search/).fill('Scanner');
      await Promise.all([page.waitForURL(/[?&]q=Scanner/), page.getByRole('button', { name: 'Apply' }).click()]);
      expect(await page.locator('#export-csv').getAttribute('href')).toBe('/admin/tickets/export.csv?q=Scanner');
      const filtered = await exported();
      expect(filtered.rows.map((r) => r.reference)).toEqual([`HD-${id}`]);
      expect(filtered.rows[0]).toMatchObject({ title: 'Scanner jammed', agent: 'ana' });

      await page.goto('/admin/audit/');
      await suite.cast.look(page, 'admin audit');
      const audit = await exported();
      expect(audit.name).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
      expect(audit.header).toEqual(['id', 'at', 'actor', 'action', 'subject', 'address', 'before', 'after']);
      expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['ticket.cc_remove', 'sign_in', 'ticket.reassign']));
      expect(audit.rows.find((r) => r.action === 'ticket.cc_remove')).toMatchObject({ actor: 'root', subject: `ticket:HD-${id}`, before: JSON.stringify({ cc: EVE }) });

      await page.getByText('Filters and search').click();
      await page.getByLabel('Action').fill('ticket.cc_remove');
      await Promise.all([page.waitForURL(/[?&]action=ticket.cc_remove/), page.getByRole('button', { name: 'Apply' }).click()]);
      expect(await page.locator('#export-csv').getAttribute('href')).toBe('/admin/audit/export.csv?action=ticket.cc_remove');
      const removals = await exported();
      expect(new Set(removals.rows.map((r) => r.action))).toEqual(new Set(['ticket.cc_remove']));
      expect(removals.rows.filter((r) => r.subject === `ticket:HD-${id}`).map((r) => [r.actor, r.before])).toEqual([['root', JSON.stringify({ cc: EVE })]]);
    });
  });

  it('an admin replies on the staff page; the email copies the people, which the outbox list and the email’s page show', async () => {
    await suite.cast.photographedOnFailure(async () => {
      const id = await copiedTicket('Fax smoking', 'ana');
      const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\//);
      await page.goto(staffTicketPath(id));
      await page.getByLabel('Message').fill('Please unplug it.');
      await Promise.all([page.waitForURL(`**${staffTicketPath(id)}`, { waitUntil: 'load' }), page.getByRole('button', { name: 'Send' }).click()]);
      const email = await suite.t.ctx.handle.db.selectFrom('outbox').select('id').where('ticket_id', '=', id).where('kind', '=', 'reply').executeTakeFirstOrThrow();

      await page.goto('/admin/emails/');
      const row = page.locator(`tr[data-id="${email.id}"]`);
      expect(await row.locator('td[data-label="To"]').innerText()).toBe(`carla@customer.example\nCc ${DAN}, ${EVE}, ${LONG}`);
      await suite.cast.look(page, 'admin emails');

      await row.getByRole('link', { name: `#${email.id}` }).click();
      await page.waitForURL(`**/admin/emails/${email.id}/`);
      expect(await page.locator('#email-to').textContent()).toBe('carla@customer.example');
      expect(await page.locator('#email-cc').textContent()).toBe(`${DAN}, ${EVE}, ${LONG}`);
      await suite.cast.look(page, 'admin email');
    });
  });
});
