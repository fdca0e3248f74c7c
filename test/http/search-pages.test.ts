/**
 * Search on the staff pages (issue 21) through the real app on both engines: the agent dashboard's
 * search box and /admin/tickets/?q= mark the matched words with <mark> around escaped text, page
 * through results with "More results"/"Older" links, and answer text that cannot be searched with
 * a 400 that says why next to the field, writing nothing. A misspelt word is searched corrected,
 * saying so, with a link to search exactly as typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { sameSnapshot, snapshot } from '../support/snapshot.js';

const refsIn = (html: string, table: string): string[] => [...(html.split(`id="${table}"`)[1]?.split('</table>')[0] ?? '').matchAll(/<strong>(HD-\d+)<\/strong>/g)].map((m) => m[1]!);

for (const dialect of DIALECTS) {
  describe(`search on the staff pages (${dialect})`, () => {
    let t: TestApp;
    let agent: Client;
    let admin: Client;
    const tickets: number[] = [];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      await changePresence(t.ctx, ana, 'away');
      for (let i = 0; i < 25; i++) {
        const ticket = await intakeTicket(t.ctx, { name: 'Carla <i>Customer</i>', email: 'carla@example.com', title: `<b>Printer</b> & "jam" no. ${i}`, description: 'Help.', priority: 'low' });
        tickets.push(ticket.id);
      }
      for (const id of tickets.slice(0, 3)) await reassignTicket(t.ctx, root, id, 'ana');
      agent = new Client(t.app);
      admin = new Client(t.app);
      await agent.login('ana');
      await admin.login('root');
    });
    afterAll(() => t.close());

    it('the dashboard marks the words found, the text around them escaped', async () => {
      const page = await agent.get(`/agents/dashboard/?q=${encodeURIComponent('printer "jam"')}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('&lt;b><mark>Printer</mark>&lt;/b> &amp; &quot;<mark>jam</mark>&quot; no. 24');
      expect(page.body).toContain('Carla &lt;i>Customer&lt;/i>');
      expect(page.body).not.toContain('<b>Printer</b>');
      expect(page.body).toMatch(/<input id="q" name="q" type="text" value="printer &quot;jam&quot;"/);
    });

    it('the dashboard pages through results, 20 at a time, newest first', async () => {
      const seen: string[] = [];
      let url: string | null = `/agents/dashboard/?q=printer`;
      while (url) {
        const page = await agent.get(url);
        expect(page.statusCode, url).toBe(200);
        seen.push(...refsIn(page.body, 'search-results'));
        const next = /<a rel="next" href="([^"]+)"/.exec(page.body)?.[1];
        url = next ? next.replaceAll('&amp;', '&') : null;
      }
      expect(seen).toEqual([...tickets].reverse().map(referenceOf));
    });

    it('the admin list marks the words found, and its pages carry the search', async () => {
      const first = await admin.get('/admin/tickets/?q=printer&per_page=10');
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('&lt;b><mark>Printer</mark>&lt;/b>');
      const byEmail = await admin.get('/admin/tickets/?q=carla%40example.com&per_page=10');
      expect(byEmail.body).toContain('<mark>carla@example.com</mark>');
      const next = /href="(\/admin\/tickets\/\?[^"]*after=\d+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toMatch(/q=printer/);
      const second = await admin.get(next!);
      expect(second.statusCode).toBe(200);
      expect(second.body).toContain('<mark>Printer</mark>');
    });

    it('a misspelt word: the corrected search, said so (escaped), with a link to search exactly as typed', async () => {
      const before = await snapshot(t.ctx.handle.db);
      const page = await agent.get(`/agents/dashboard/?q=${encodeURIComponent('<Pritner> "jam')}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Showing results for <strong>&lt;printer> &quot;jam</strong> (you typed &lt;Pritner> &quot;jam)');
      expect(refsIn(page.body, 'search-results')).toEqual([...tickets].reverse().slice(0, 20).map(referenceOf));
      expect(page.body).toContain('&lt;b><mark>Printer</mark>&lt;/b>');
      // Next pages go on with the corrected search (after a position: title matches are tier 1); the
      // exact link searches as typed, uncorrected.
      const next = /<a rel="next" href="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toBe(`/agents/dashboard/?q=${encodeURIComponent('<printer> "jam')}&after=${2 ** 31 + tickets[5]!}#search`);
      expect(refsIn((await agent.get(next!)).body, 'search-results')).toEqual([...tickets].reverse().slice(20).map(referenceOf));
      const exact = /href="([^"]+exact=1[^"]*)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      expect(exact).toBe(`/agents/dashboard/?q=${encodeURIComponent('<Pritner> "jam')}&exact=1#search`);
      const asTyped = await agent.get(exact!);
      expect(asTyped.statusCode).toBe(200);
      expect(asTyped.body).toContain('Nothing found');
      expect(asTyped.body).not.toContain('search-corrected');
      // The admin list too: corrected, its pages go on with the correction, the exact link keeps the other filters.
      const list = await admin.get('/admin/tickets/?q=Pritner&per_page=10');
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain('Showing results for <strong>printer</strong> (you typed Pritner)');
      expect(list.body).toContain('&lt;b><mark>Printer</mark>&lt;/b>');
      expect(/href="(\/admin\/tickets\/\?[^"]*after=\d+)"/.exec(list.body)?.[1]).toMatch(/q=printer/);
      // Its CSV export goes with the correction too, every page of it (no page size).
      expect(list.body).toContain('<a href="/admin/tickets/export.csv?q=printer" id="export-csv" download>Export CSV</a>');
      const listExact = /href="([^"]+exact=1[^"]*)"/.exec(list.body)?.[1]?.replaceAll('&amp;', '&');
      expect(listExact).toBe('/admin/tickets/?q=Pritner&per_page=10&exact=1');
      const listAsTyped = await admin.get(listExact!);
      expect(listAsTyped.statusCode).toBe(200);
      expect(listAsTyped.body).not.toContain('search-corrected');
      expect(listAsTyped.body).not.toContain('<mark>');
      // FTS syntax around a misspelt word is still only text.
      for (const q of ['pritner*', 'pritner NEAR(jam)', 'pritner:jam', '"pritner']) {
        const odd = await agent.get(`/agents/dashboard/?q=${encodeURIComponent(q)}`);
        expect(odd.statusCode, q).toBe(200);
      }
      const after = await snapshot(t.ctx.handle.db);
      if (!sameSnapshot(after, before)) expect(after).toEqual(before);
    });

    it('text that cannot be searched: 400 with the reason next to the field, nothing written', async () => {
      const before = await snapshot(t.ctx.handle.db);
      for (const [q, reason] of [
        ['!!', 'at least 3 letters or digits'],
        ['-printer', 'not only what to leave out'],
        ['"', 'at least 3 letters or digits'],
        ['x'.repeat(201), 'At most 200 characters'],
      ] as const) {
        for (const [client, path] of [
          [agent, '/agents/dashboard/'],
          [admin, '/admin/tickets/'],
        ] as const) {
          const page = await client.get(`${path}?q=${encodeURIComponent(q)}`);
          expect(page.statusCode, `${path} ${q}`).toBe(400);
          expect(page.body, `${path} ${q}`).toContain(reason);
          expect(page.body, `${path} ${q}`).toMatch(/id="q-error"/);
        }
      }
      const badCursor = await agent.get('/agents/dashboard/?q=printer&after=abc');
      expect(badCursor.statusCode).toBe(400);
      expect(badCursor.body).toContain('search again');
      const after = await snapshot(t.ctx.handle.db);
      if (!sameSnapshot(after, before)) expect(after).toEqual(before);
    });
  });
}
