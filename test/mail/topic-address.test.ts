/**
 * Which topic a mail opens its ticket in (§12: a topic's addresses map inbound mail to it), through
 * the real inbound route on both engines: the mailbox it was delivered to (Delivered-To) decides,
 * else the first of its To addresses that is a topic's, whatever the addresses' alphabetical order.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { customerMail } from './support/customer-mail.js';
import { inboundApp } from './support/inbound-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: the topic of a mail to several topic addresses`, () => {
    const inbound = inboundApp(dialect, { maxBytes: 10 * 1024 * 1024, ticketsPerHour: 20 });

    it('Delivered-To decides, then the first To address that is a topic’s', async () => {
      const db = inbound.t.ctx.handle.db;
      const topic = async (name: string, address: string) => {
        const id = (await db.insertInto('topics').values({ name, team_id: 1, default_priority: null }).returning('id').executeTakeFirstOrThrow()).id;
        await db.insertInto('topic_addresses').values({ address, topic_id: id }).execute();
        return id;
      };
      const billing = await topic('Billing', 'billing@helpdesk.example');
      const sales = await topic('Sales', 'sales@helpdesk.example');
      const topicOf = async (headers: string[], messageId: string) => {
        const result = (await inbound.deliver(customerMail({ to: 'Billing <billing@helpdesk.example>, Sales <sales@helpdesk.example>', messageId, headers }))).json() as { result: string; ticket: string };
        expect(result.result).toBe('created');
        return (await db.selectFrom('tickets').select('topic_id').where('id', '=', Number(result.ticket.slice(3))).executeTakeFirstOrThrow()).topic_id;
      };
      // The copy delivered to the sales mailbox is the sales team's, though billing sorts first.
      expect(await topicOf(['Delivered-To: sales@helpdesk.example'], '<t.1@mail.customer.example>')).toBe(sales);
      expect(await topicOf(['Delivered-To: billing@helpdesk.example'], '<t.2@mail.customer.example>')).toBe(billing);
      // Delivered to the help desk's own mailbox: the first topic address the customer wrote to.
      const first = customerMail({ to: 'Sales <sales@helpdesk.example>, billing@helpdesk.example', messageId: '<t.3@mail.customer.example>', headers: ['Delivered-To: inbox@helpdesk.example'] });
      const result = (await inbound.deliver(first)).json() as { ticket: string };
      expect((await db.selectFrom('tickets').select('topic_id').where('id', '=', Number(result.ticket.slice(3))).executeTakeFirstOrThrow()).topic_id).toBe(sales);
    });
  });
}
