/**
 * A customer rates a closed request (§13) in a real browser (Debian's Chromium through
 * playwright-core) from the link in the real closed email, delivered by the outbox worker to the
 * in-process SMTP server: the link opens a confirm page that records nothing; the button records
 * the rating with a comment; a second visit changes it; the agent sees it on the ticket, the admin
 * on the dashboard. Each page is looked at by Cast.look (axe-core, phone width, no script error).
 *
 * On both engines: it is one short flow, and the rating's transaction and triggers differ by engine.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, type Mailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { closeTicket } from '../../src/services/tickets.js';
import { newTicket } from '../admin/support.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';
import { FAST_TIMEOUTS, memoryLogger } from '../mail/support/testbed.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';
import { DIALECTS } from '../support/db.js';
import { freePort } from '../support/process.js';

for (const dialect of DIALECTS) {
  describe(`a customer rates a closed request in Chromium (${dialect})`, () => {
    let t: TestApp;
    let browser: Browser;
    let smtp: TestSmtpServer;
    let mailer: Mailer;
    let worker: OutboxWorker;
    let cast: Cast;
    let base: string;

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      // The emails' links point at the app as the browser reaches it.
      [t, browser, smtp] = await Promise.all([startTestApp(dialect, { config: { publicUrl: base } }), launchBrowser(), startSmtpServer()]);
      await t.app.listen({ port, host: '127.0.0.1' });
      mailer = createSmtpMailer(smtp.url, FAST_TIMEOUTS);
      worker = new OutboxWorker({ handle: t.database.handle, mailer, clock: t.ctx.clock, from: 'Helpdesk <support@helpdesk.example>', logger: memoryLogger() });
      cast = new Cast(browser, base, 'csat');
      await addStaff(t.ctx, 'alice', { capacity: 5, displayName: 'Alice Agent' });
      await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(async () => {
      await worker?.stop();
      mailer?.close();
      await browser?.close();
      await smtp?.close();
      await t?.close();
    });

    const rating = async (id: number) => {
      const row = (await findTicketById(t.ctx.handle.db, id))!;
      return { score: row.csat_score, comment: row.csat_comment };
    };
    /** Clicks the button and returns the status of the POST (303 when it led to the next page). */
    async function send(page: Page, button: string): Promise<number> {
      const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()]);
      const post = response!.request().redirectedFrom() ?? response!.request();
      expect(post.method()).toBe('POST');
      return (await post.response())!.status();
    }

    it('from the Good link of the received email to the rating on the staff pages', () =>
      cast.photographedOnFailure(async () => {
        const root = (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id;
        const id = await newTicket(t.ctx, { name: 'Carla Customer', email: 'carla@customer.example', title: 'Printer on fire' });
        await reassignTicket(t.ctx, root, id, 'alice');
        const alice = (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow()).id;
        await closeTicket(t.ctx, { id: alice, role: 'agent' }, id);

        // --- The closed email arrives at the SMTP server; its HTML holds the two links.
        await worker.runOnce();
        const closed = smtp.received.find((m) => m.parsed.subject?.startsWith(`[HD-${id}] Your request is closed`));
        expect(closed, 'the closed email was delivered').toBeDefined();
        expect(closed!.rcptTo).toEqual(['carla@customer.example']);
        expect(closed!.parsed.text).toContain('How did we do?');
        const links = [...String(closed!.parsed.html).matchAll(/href="([^"]+\/tickets\/rate\/[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
        expect(links).toHaveLength(2);
        const good = links.find((l) => l.endsWith('?score=good'))!;
        expect(good.startsWith(`${base}/tickets/rate/`)).toBe(true);

        // --- The customer clicks Good: a confirm page, Good chosen, nothing recorded yet.
        const customer = await cast.person();
        await customer.goto(good);
        await customer.getByRole('heading', { name: 'How did we do?' }).waitFor();
        expect(await customer.getByRole('radio', { name: 'Good' }).isChecked()).toBe(true);
        expect(await rating(id)).toEqual({ score: null, comment: null });
        await cast.look(customer, '10-confirm');

        // --- One click records it, with a comment.
        await customer.getByLabel('Comment (optional)').fill('Fixed before lunch, thank you.');
        expect(await send(customer, 'Send my rating')).toBe(303);
        expect(await customer.getByText('Thank you! Your rating is recorded.').isVisible()).toBe(true);
        expect(await customer.getByText('You rated it Good').isVisible()).toBe(true);
        expect(await rating(id)).toEqual({ score: 'good', comment: 'Fixed before lunch, thank you.' });
        await cast.look(customer, '20-recorded');

        // --- Second thoughts, the same day: the Bad link of the same email changes it.
        await customer.goto(links.find((l) => l.endsWith('?score=bad'))!);
        expect(await customer.getByRole('radio', { name: 'Bad' }).isChecked()).toBe(true);
        expect(await customer.getByLabel('Comment (optional)').inputValue()).toBe('Fixed before lunch, thank you.');
        await customer.getByLabel('Comment (optional)').fill('It caught fire again.');
        expect(await send(customer, 'Change my rating')).toBe(303);
        expect(await customer.getByText('Thank you! Your rating is changed.').isVisible()).toBe(true);
        expect(await rating(id)).toEqual({ score: 'bad', comment: 'It caught fire again.' });

        // --- Alice sees it on her ticket page; the admin on the dashboard (card, agent row, chart).
        const alicePage = await cast.loggedIn('alice', /\/agents\/dashboard\/$/);
        await alicePage.goto(`/agents/tickets/${id}/`);
        const facts = alicePage.locator('#csat-rating');
        expect(await facts.getAttribute('data-csat')).toBe('bad');
        expect(await facts.innerText()).toContain('It caught fire again.');

        const admin = await cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
        // Playwright's wait (its timeout), as the dashboard's other browser tests: expect.poll gives
        // up after 1 s, which a busy machine's chart start-up outlasted once.
        await admin.locator('#dashboard[data-charts="ready"]').waitFor();
        expect(await admin.locator('[data-kpi="csat.rated"]').innerText()).toBe('1');
        expect(await admin.locator('[data-kpi="csat.score"]').innerText()).toBe('0.0 %');
        expect(await admin.locator('tr[data-agent="alice"] td[data-col="csat"]').innerText()).toBe('0.0 % of 1');
        const bars = await admin.evaluate(() => {
          const chart = (globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: { data: number[] }[] } } } }).Chart.getChart('chart-csat');
          return { labels: chart.data.labels, good: chart.data.datasets[0]!.data, bad: chart.data.datasets[1]!.data };
        });
        const at = bars.labels.indexOf('alice');
        expect([bars.good[at], bars.bad[at]]).toEqual([0, 1]);
        await cast.look(admin, '30-dashboard');
      }));
  });
}
