/**
 * README ("Needs attention"): each section shows its count as a link to its list. Here every
 * section's link on the dashboard (every team's and one team's) is followed, and the list must
 * hold exactly the tickets or emails the section counts, no more and no fewer: the tickets held by
 * agents who are away or offline used to lead to the list of every agent (users, not tickets), and
 * "Emails not delivered" (failed or bounced) to the failed emails alone, of every team on one
 * team's dashboard, and "Waiting while nobody who may take them is available" to every waiting
 * ticket, those an available agent may take (and will, as room appears) too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, agentClient, newTicket, rowIds, threeWaitingOneOverdue } from './support.js';

const SECTIONS = ['breached_open', 'waiting_unattended', 'held_by_unavailable', 'undelivered_emails'] as const;

/** Each section's link and count as the page shows them: [href as a browser reads it, count]. */
function sectionLinks(html: string): Record<(typeof SECTIONS)[number], [string, number]> {
  return Object.fromEntries(
    SECTIONS.map((name) => {
      const match = new RegExp(`data-section="${name}"[\\s\\S]*?<a href="([^"]*)" data-count="true">(\\d+)</a>`).exec(html);
      if (!match) throw new Error(`no ${name} section`);
      return [name, [match[1]!.replaceAll('&amp;', '&'), Number(match[2])]];
    }),
  ) as Record<(typeof SECTIONS)[number], [string, number]>;
}

for (const dialect of DIALECTS) {
  describe(`the Needs attention counts lead to their lists (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const clock = new FakeClock(Date.UTC(2026, 11, 3, 9, 0, 0));
    let tickets: Record<'high' | 'medium' | 'low', number>;
    const emails = { failed: 0, bounced: 0, sent: 0, billing: 0 };
    let billing = 0;
    const later = { taken: 0, waiting: 0 };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const alice = await addStaff(t.ctx, 'alice', { capacity: 2 });
      await addStaff(t.ctx, 'bob', { capacity: 2 });
      // Never signs in: an agent with nothing to do with any section.
      await addStaff(t.ctx, 'carol', { capacity: 2 });
      const root = await adminClient(t);
      admin = root.client;
      tickets = await threeWaitingOneOverdue(t.ctx, clock);
      await agentClient(t, 'alice'); // takes the high and the medium one
      await changePresence(t.ctx, alice, 'away');
      await agentClient(t, 'bob'); // takes the low one, and stays available
      const outbox = await t.ctx.handle.db.selectFrom('outbox').select('id').orderBy('id').execute();
      expect(outbox.length).toBeGreaterThanOrEqual(3);
      [emails.failed, emails.bounced, emails.sent] = [outbox[0]!.id, outbox[1]!.id, outbox[2]!.id];
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'failed', last_error: 'refused' }).where('id', '=', emails.failed).execute();
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'bounced', last_error: '5.1.1' }).where('id', '=', emails.bounced).execute();
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'sent', sent_at: clock.now() }).where('id', '=', emails.sent).execute();
      // A ticket of a team nobody is in (it waits), whose confirmation bounced.
      const api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'setup')).token);
      expect((await api.post('/api/v1/teams', { name: 'Billing' })).status).toBe(201);
      expect((await api.post('/api/v1/topics', { name: 'Invoices', team: 'Billing' })).status).toBe(201);
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Invoice', description: 'Wrong sum', priority: 'low', topic: 'Invoices' });
      expect(created.status).toBe(201);
      billing = Number(created.body.reference.slice(3));
      const mail = await t.ctx.handle.db.selectFrom('outbox').select('id').where('ticket_id', '=', billing).executeTakeFirstOrThrow();
      emails.billing = mail.id;
      await t.ctx.handle.db.updateTable('outbox').set({ status: 'bounced', last_error: '5.1.1' }).where('id', '=', emails.billing).execute();
      // Two more of Support's: bob takes one and is full, the other waits for room. Someone
      // available may take it, so it does not need attention (README), though it waits.
      later.taken = await newTicket(t.ctx, { title: 'Later one' });
      later.waiting = await newTicket(t.ctx, { title: 'Later two' });
    });
    afterAll(() => t.close());

    /** Each query is a 400 with its message by `field`, and lists nothing. */
    async function refused(field: string, cases: [query: string, message: string][]): Promise<void> {
      for (const [query, message] of cases) {
        const list = await admin.get(`/admin/tickets/?${query}`);
        expect(list.statusCode, query).toBe(400);
        expect(list.body, query).toContain(`<small id="${field}-error" class="field-error">${message}</small>`);
        expect(rowIds(list.body), query).toEqual([]);
      }
    }

    /** The references the ticket export under `query` holds. */
    async function exported(query: string): Promise<string[]> {
      const csv = await admin.get(`/admin/tickets/export.csv?${query}`);
      expect(csv.statusCode, query).toBe(200);
      return csv.body.split('\n').filter((line) => line.startsWith('HD-')).map((line) => line.split(',')[0]!);
    }

    for (const team of [null, 'Support', 'Billing']) {
      it(`each section's list holds what it counts (${team ?? 'every team'})`, async () => {
        const page = await admin.get(`/adminapp/dashboard/${team === null ? '' : `?team=${team}`}`);
        expect(page.statusCode).toBe(200);
        const links = sectionLinks(page.body);
        const support = team !== 'Billing';
        const other = team !== 'Support';
        const expected = {
          breached_open: { path: '/admin/tickets/', ids: support ? [tickets.high] : [] },
          waiting_unattended: { path: '/admin/tickets/', ids: other ? [billing] : [] },
          held_by_unavailable: { path: '/admin/tickets/', ids: support ? [tickets.medium, tickets.high] : [] },
          undelivered_emails: { path: '/admin/emails/', ids: [...(other ? [emails.billing] : []), ...(support ? [emails.bounced, emails.failed] : [])] },
        };
        for (const name of SECTIONS) {
          const [href, count] = links[name];
          expect(count, name).toBe(expected[name].ids.length);
          expect(new URL(href, 'http://x').pathname, `${name}: ${href}`).toBe(expected[name].path);
          const list = await admin.get(href);
          expect(list.statusCode, href).toBe(200);
          expect(rowIds(list.body), `${name}: ${href}`).toEqual(expected[name].ids);
        }
      });
    }

    it('filters the ticket list by who holds a ticket, and refuses a holder beside closed or waiting tickets', async () => {
      expect(rowIds((await admin.get('/admin/tickets/?holder=available')).body)).toEqual([later.taken, tickets.low]);
      expect(rowIds((await admin.get('/admin/tickets/?holder=UNAVAILABLE&priority=high')).body)).toEqual([tickets.high]);
      await refused('holder', [
        ['holder=away', 'Choose available, or unavailable (away or offline).'],
        ['holder=unavailable&status=closed', 'Closed tickets are held by nobody: choose open tickets, or any holder.'],
        ['holder=available&state=pending', 'Waiting tickets are held by nobody: choose assigned tickets, or any holder.'],
      ]);
      // The export takes the same filter.
      expect(await exported('holder=unavailable')).toEqual([`HD-${tickets.medium}`, `HD-${tickets.high}`]);
    });

    it('filters the waiting tickets by whether someone available may take them, and refuses it beside tickets that do not wait', async () => {
      expect(rowIds((await admin.get('/admin/tickets/?unattended=no')).body)).toEqual([later.waiting]);
      expect(rowIds((await admin.get('/admin/tickets/?unattended=yes&state=pending&team=billing')).body)).toEqual([billing]);
      await refused('unattended', [
        ['unattended=maybe', 'Choose yes or no.'],
        ['unattended=yes&status=closed', 'Closed tickets do not wait: choose waiting tickets, or leave this empty.'],
        ['unattended=no&state=open', 'Assigned tickets do not wait: choose waiting tickets, or leave this empty.'],
        ['unattended=yes&holder=unavailable', 'Assigned tickets do not wait: choose waiting tickets, or leave this empty.'],
      ]);
      expect(await exported('unattended=yes')).toEqual([`HD-${billing}`]);
    });

    it("filters the emails by not delivered and by their ticket's team, and refuses a team that does not exist", async () => {
      expect(rowIds((await admin.get('/admin/emails/?status=Undelivered&team=billing')).body)).toEqual([emails.billing]);
      expect(rowIds((await admin.get('/admin/emails/?status=failed&team=Support')).body)).toEqual([emails.failed]);
      const unknown = await admin.get('/admin/emails/?team=nope');
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain('<small id="team-error" class="field-error">No team has this name.</small>');
      expect(rowIds(unknown.body)).toEqual([]);
    });
  });
}
