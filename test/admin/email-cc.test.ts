/**
 * The people an email copies (§10 Cc) at /admin/emails/, on both engines: a staff reply on a
 * ticket whose customer copied colleagues (the mail through the real pipeline) shows its Cc on the
 * email's page beside the To and in the list under the recipient (the first two and how many more
 * when there are many), in a ticket's emails too; the search finds an email by a copied address;
 * an email copying nobody shows no Cc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { DEFAULT_INBOUND_SETTING } from '../../src/services/inbound.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { ingest, rawMail } from './mail.js';
import { adminClient, cellOf, rowIds, rowOf } from './support.js';

const DAN = 'dan@customer.example';
const EVE = 'eve@customer.example';
/** Five more colleagues of a customer who copies a whole team. */
const TEAM = ['f1', 'f2', 'f3', 'f4', 'f5'].map((name) => `${name}@customer.example`);


/** The text of some HTML as lines (a `<br/>` ends one), the tags of the addresses' wrapping (views/wrapping.tsx Address) gone. */
const lines = (html: string) => html.replaceAll('<br/>', '\n').replace(/<[^>]+>/g, '');
/** The text of the email page's fact `id` (email-to, email-cc); null when the page has none. */
const fact = (html: string, id: string) => {
  const dd = new RegExp(`<dd id="${id}">([\\s\\S]*?)</dd>`).exec(html);
  return dd ? lines(dd[1]!) : null;
};

for (const dialect of DIALECTS) {
  describe(`an email's Cc at /admin/emails/ (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let rootId: number;
    /** The outbox rows of the two tickets: their receipts (no Cc) and the staff replies (with one). */
    const emails = { receipt: 0, reply: 0, teamReply: 0, ticket: 0 };

    /** A customer's mail copying `cc`, through the pipeline every source uses; then a staff reply on its ticket. Its receipt's and reply's outbox ids. */
    async function copiedConversation(subject: string, cc: readonly string[]): Promise<{ ticket: number; receipt: number; reply: number }> {
      const outcome = await ingest(t.ctx, rawMail({ subject, to: DEFAULT_INBOUND_SETTING.mailFrom, headers: [`Cc: ${cc.join(', ')}`] }));
      expect(outcome.result).toBe('created');
      const ticket = outcome.ticketId!;
      await postStaffMessage(t.ctx, { id: rootId, role: 'admin' }, ticket, { kind: 'reply', body: 'Please switch it off.', close: false, seen: null, channel: 'web' });
      const rows = await t.ctx.handle.db.selectFrom('outbox').select(['id', 'kind', 'cc_addresses']).where('ticket_id', '=', ticket).orderBy('id').execute();
      expect(rows.map((r) => [r.kind, r.cc_addresses])).toEqual([
        ['created', ''],
        ['reply', cc.join(',')],
      ]);
      return { ticket, receipt: rows[0]!.id, reply: rows[1]!.id };
    }

    beforeAll(async () => {
      t = await startTestApp(dialect);
      ({ client: admin, id: rootId } = await adminClient(t));
      const printer = await copiedConversation('Printer on fire', [DAN, EVE]);
      const team = await copiedConversation('Whole team copied', [DAN, EVE, ...TEAM]);
      Object.assign(emails, { receipt: printer.receipt, reply: printer.reply, teamReply: team.reply, ticket: printer.ticket });
    });
    afterAll(() => t?.close());

    it('the email’s page has a Cc line beside the To; an email copying nobody has none', async () => {
      const reply = await admin.get(`/admin/emails/${emails.reply}/`);
      expect(reply.statusCode).toBe(200);
      expect(reply.body).toMatch(/<dt>To<\/dt><dd id="email-to">.*?<\/dd><dt>Cc<\/dt><dd id="email-cc">/);
      // The To wraps like the Cc (views/wrapping.tsx Address), not anywhere inside a word.
      expect(reply.body).toContain('<dd id="email-to"><span class="address">carla@<wbr/>example.<wbr/>com</span></dd>');
      expect(fact(reply.body, 'email-to')).toBe('carla@example.com');
      expect(fact(reply.body, 'email-cc')).toBe(`${DAN}, ${EVE}`);
      // Every copied person on the page, however many.
      expect(fact((await admin.get(`/admin/emails/${emails.teamReply}/`)).body, 'email-cc')).toBe([DAN, EVE, ...TEAM].join(', '));

      const receipt = await admin.get(`/admin/emails/${emails.receipt}/`);
      expect(fact(receipt.body, 'email-to')).toBe('carla@example.com');
      expect(fact(receipt.body, 'email-cc')).toBeNull();
      expect(receipt.body).not.toContain('<dt>Cc</dt>');
    });

    it('the list shows the Cc under the recipient, the first two and how many more; a ticket’s emails too', async () => {
      const list = await admin.get('/admin/emails/');
      expect(list.statusCode).toBe(200);
      expect(lines(cellOf(rowOf(list.body, emails.reply), 'To'))).toBe(`carla@example.com\nCc ${DAN}, ${EVE}`);
      expect(lines(cellOf(rowOf(list.body, emails.teamReply), 'To'))).toBe(`carla@example.com\nCc ${DAN}, ${EVE} and 5 more`);
      expect(lines(cellOf(rowOf(list.body, emails.receipt), 'To'))).toBe('carla@example.com');
      expect(cellOf(rowOf(list.body, emails.receipt), 'To')).toContain('<span class="address">carla@<wbr/>');

      const ticketPage = await admin.get(`/admin/tickets/${emails.ticket}/`);
      expect(ticketPage.statusCode).toBe(200);
      expect(lines(cellOf(rowOf(ticketPage.body, emails.reply), 'To'))).toBe(`carla@example.com\nCc ${DAN}, ${EVE}`);
    });

    it('the search finds an email by a copied address, in any letter case, and not the emails that do not copy it', async () => {
      const found = async (q: string) => rowIds((await admin.get(`/admin/emails/?q=${encodeURIComponent(q)}`)).body);
      expect(await found('EVE@Customer')).toEqual([emails.teamReply, emails.reply]);
      expect(await found(TEAM[4]!)).toEqual([emails.teamReply]);
      expect(await found('nobody@customer')).toEqual([]);
    });
  });
}
