/**
 * Rule 7's cap on the tickets one sender opens by mail (INBOUND_TICKETS_PER_HOUR), when the mails
 * arrive together: a burst posted at once, or the IMAP watcher handling a chunk of mails in one
 * wave (every mail of a wave is ingested at the same moment). Each mail's count was read before
 * any of the others committed, so every one of them saw the sender under the cap and a burst of
 * any size opened a ticket per mail. On both engines, through POST /api/v1/inbound/email.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { inboundApp } from '../mail/support/inbound-app.js';
import { rawMail } from '../mail/support/raw-mail.js';

const PER_HOUR = 3;

for (const dialect of DIALECTS) {
  describe(`the per-sender hourly cap under a burst (${dialect})`, () => {
    const app = inboundApp(dialect, { maxBytes: 1024 * 1024, ticketsPerHour: PER_HOUR });
    const db = () => app.t.ctx.handle.db;

    it(`8 mails of one sender (in any letter case) posted at once open ${PER_HOUR} tickets; the rest are rejected`, async () => {
      const senders = ['mo@flood.example', 'MO@flood.example', 'Mo@Flood.Example', 'mo@FLOOD.example'];
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => app.deliver(rawMail({ from: senders[i % senders.length]!, subject: `Flood ${i}` }))));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
      const results = responses.map((r) => r.json().result as string).sort();
      expect(results).toEqual([...Array(PER_HOUR).fill('created'), ...Array(8 - PER_HOUR).fill('rejected')]);
      const tickets = await db().selectFrom('tickets').select('id').where('title', 'like', 'Flood %').execute();
      expect(tickets).toHaveLength(PER_HOUR);
    });
  });
}
