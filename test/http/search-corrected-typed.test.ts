/**
 * A misspelt search corrected (README, "Search": typos) goes on with the correction whatever way
 * the misspelt word was typed, through the real app on both engines: a Turkish word typed with its
 * dotted capital İ ("İnternt", for the customers' "internet") is searched as "internet", and the
 * words shown, the next page's link and the Export CSV link say "internet" too. They used to keep
 * "İnternt", so the next page and the export searched the misspelling and found nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/core/tickets.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const refsIn = (html: string): string[] => [...html.matchAll(/<strong>(HD-\d+)<\/strong>/g)].map((m) => m[1]!);

for (const dialect of DIALECTS) {
  describe(`a corrected search typed with İ goes on corrected (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    const tickets: number[] = [];

    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'root', { role: 'admin' });
      for (let i = 0; i < 3; i++) {
        tickets.push((await intakeTicket(t.ctx, { name: 'Ayşe Yılmaz', email: 'ayse@example.com.tr', title: `internet kesildi ${i}`, description: 'Yardım.', priority: 'low' })).id);
      }
      admin = new Client(t.app);
      await admin.login('root');
    });
    afterAll(() => t.close());

    it('the admin list: shown, paged and exported as corrected', async () => {
      const first = await admin.get(`/admin/tickets/?q=${encodeURIComponent('İnternt')}&per_page=2`);
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('Showing results for <strong>internet</strong> (you typed İnternt)');
      const newest = [...tickets].reverse().map(referenceOf);
      expect(refsIn(first.body)).toEqual(newest.slice(0, 2));
      const next = /href="(\/admin\/tickets\/\?[^"]*after=\d+)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
      expect(next).toMatch(/q=internet/);
      expect(refsIn((await admin.get(next!)).body)).toEqual(newest.slice(2));
      const exportLink = /<a href="([^"]+)" id="export-csv"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
      expect(exportLink).toBe('/admin/tickets/export.csv?q=internet');
      const exported = await admin.get(exportLink!);
      expect(exported.statusCode).toBe(200);
      expect(csvObjects(exported.body).rows.map((row) => row.reference)).toEqual(newest);
    });
  });
}
