/**
 * A customer's or staff member's name in right-to-left script (or with neutral characters at its
 * ends) sits in `<bdi>` wherever it stands in running text or next to other text, so it cannot
 * reorder what is around it ("سارة is looking at it now." read with the sentence's words moved,
 * a name's trailing `!` jumping before the address). Titles and file names already were.
 * Both engines, through the real pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { newTicket } from '../admin/support.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

const CUSTOMER = 'אבי כהן!';
const AGENT = 'سارة (الدعم)';
const ADMIN = 'רות';
const TITLE = 'המדפסת לא עובדת';

for (const dialect of DIALECTS) {
  describe(`names are isolated on the pages (${dialect})`, () => {
    let t: TestApp;
    let root: Client;
    let id: number;
    let token: string;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      const rootId = await addStaff(t.ctx, 'root', { role: 'admin', displayName: ADMIN });
      await addStaff(t.ctx, 'sara', { capacity: 5, displayName: AGENT });
      root = new Client(t.app);
      expect((await root.login('root')).statusCode).toBe(303);
      id = await newTicket(t.ctx, { name: CUSTOMER, title: TITLE });
      await reassignTicket(t.ctx, rootId, id, 'sara');
      await postStaffMessage(t.ctx, { id: rootId, role: 'admin' }, id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });
      token = (await findTicketById(t.ctx.handle.db, id))!.token;
    });
    afterAll(() => t.close());

    it('the staff ticket page: the customer by their address, the agent, each message’s writer', async () => {
      const page = (await root.get(`/agents/tickets/${id}/`)).body;
      expect(page).toContain(`<bdi>${CUSTOMER}</bdi> &lt;`);
      expect(page).toMatch(new RegExp(`<dd class="agent-name"><bdi>${AGENT.replace(/[()]/g, '\\$&')}</bdi></dd>`));
      expect(page).toMatch(new RegExp(`class="author"><bdi>${ADMIN}</bdi></strong>`));
      expect(page).toMatch(new RegExp(`class="author"><bdi>${CUSTOMER}</bdi></strong>`));
    });

    it('the status page and the confirmation: the agent, each message’s writer', async () => {
      const status = (await new Client(t.app).get(`/tickets/status/${token}/`)).body;
      expect(status).toMatch(new RegExp(`<dd class="agent-name"><bdi>${AGENT.replace(/[()]/g, '\\$&')}</bdi></dd>`));
      expect(status).toContain(`<strong class="message-author"><bdi>${ADMIN}</bdi></strong>`);
      const success = (await new Client(t.app).get(`/tickets/createsuccess/?t=${token}`)).body;
      expect(success).toContain(`<bdi>${AGENT}</bdi> is looking at it now.`);
    });

    // The status page's timeline, the search results and the admin's lists and ticket page were left out.
    it('the status page’s timeline: the agent a request went to', async () => {
      const status = (await new Client(t.app).get(`/tickets/status/${token}/`)).body;
      expect(status).toContain(`<span class="what">Assigned to <bdi>${AGENT}</bdi> right away.</span>`);
    });

    it('the search results: the customer above their address', async () => {
      const sara = new Client(t.app);
      expect((await sara.login('sara')).statusCode).toBe(303);
      const results = (await sara.get(`/agents/dashboard/?q=${encodeURIComponent(TITLE)}`)).body;
      // The results' own table: the dashboard around it lists the ticket too.
      const table = /<table[^>]*id="search-results"[\s\S]*?<\/table>/.exec(results)?.[0] ?? '';
      expect(table).toContain(`<td data-label="Customer"><bdi>${CUSTOMER}</bdi>`);
    });

    it('the admin’s ticket list and ticket page: the title beside its reference, the customer beside their address, the agent beside their username', async () => {
      const list = (await root.get('/admin/tickets/')).body;
      expect(list).toMatch(new RegExp(`<bdi><span class="clamp" title="${TITLE}">${TITLE}</span></bdi>`));
      const page = (await root.get(`/admin/tickets/${id}/`)).body;
      expect(page).toContain(`<bdi>${CUSTOMER}</bdi> &lt;`);
      expect(page).toMatch(new RegExp(`<bdi>${AGENT.replace(/[()]/g, '\\$&')}</bdi> \\(sara\\)`));
    });

    it('the agent’s own list: the customer beside their address', async () => {
      const sara = new Client(t.app);
      expect((await sara.login('sara')).statusCode).toBe(303);
      const list = (await sara.get('/agents/dashboard/')).body;
      expect(list).toContain(`<bdi>${CUSTOMER}</bdi>`);
    });
  });
}
