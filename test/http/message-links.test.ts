/**
 * Web addresses in what customers write are links on every page that shows it (the staff ticket
 * page, the customer's status page, the admin's ticket record), and only http(s) addresses: the
 * rest stays text, escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { addStaff, Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { customerStatusPath, staffTicketPath } from '../../src/http/links.js';
import { findTicketByToken } from '../../src/repositories/tickets.js';
import { changePresence } from '../../src/services/presence.js';

const WRITTEN = 'The error page is at https://shop.example.com/checkout?step=2. Also (see https://en.wikipedia.org/wiki/Printer_(computing)) and javascript:alert(1) and "><script>alert(2)</script>';

/** The links a page shows inside its message bodies (or the admin's description). */
function linksIn(html: string): string[] {
  const bodies = [...html.matchAll(/<(?:div class="message-body"|p class="description")>([\s\S]*?)<\/(?:div|p)>/g)].map((m) => m[1]!).join('\n');
  return [...bodies.matchAll(/<a href="([^"]+)" rel="noopener noreferrer nofollow ugc">([^<]+)<\/a>/g)].map((m) => `${m[2]} → ${m[1]}`);
}

const EXPECTED = ['https://shop.example.com/checkout?step=2 → https://shop.example.com/checkout?step=2', 'https://en.wikipedia.org/wiki/Printer_(computing) → https://en.wikipedia.org/wiki/Printer_(computing)'];

for (const dialect of DIALECTS) {
  describe(`web addresses in messages (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let ticketId: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      const alice = await addStaff(t.ctx, 'alice');
      await addStaff(t.ctx, 'root', { role: 'admin' });
      await changePresence(t.ctx, alice, 'available');
      token = await submitViaForm(new Client(t.app), { description: WRITTEN });
      ticketId = (await findTicketByToken(t.ctx.handle.db, token))!.id;
    });
    afterAll(() => t.close());

    const expectLinked = (html: string) => {
      expect(linksIn(html).map((l) => l.replace(/&amp;/g, '&'))).toEqual(EXPECTED);
      expect(html).not.toContain('href="javascript:');
      expect(html).not.toContain('<script>alert(2)');
      expect(html).toContain('&lt;script>alert(2)&lt;/script>');
    };

    it('on the customer’s status page', async () => {
      expectLinked((await new Client(t.app).get(customerStatusPath(token))).body);
    });

    it('on the agent’s ticket page', async () => {
      const agent = new Client(t.app);
      await agent.login('alice');
      expectLinked((await agent.get(staffTicketPath(ticketId))).body);
    });

    it('on the admin’s ticket record', async () => {
      const admin = new Client(t.app);
      await admin.login('root');
      expectLinked((await admin.get(`/admin/tickets/${ticketId}/`)).body);
    });
  });
}
