/**
 * Rule 7's cap on the tickets one sender opens by mail (INBOUND_TICKETS_PER_HOUR), when the mails
 * arrive together: a burst posted at once, or the IMAP watcher handling a chunk of mails in one
 * wave (every mail of a wave is ingested at the same moment). Each mail's count was read before
 * any of the others committed, so every one of them saw the sender under the cap and a burst of
 * any size opened a ticket per mail. On both engines, through POST /api/v1/inbound/email.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { postMail, rawMail } from '../mail/support/raw-mail.js';
import { MAIL_FROM } from '../mail/support/testbed.js';

const PER_HOUR = 3;

for (const dialect of DIALECTS) {
  describe(`the per-sender hourly cap under a burst (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect, {
        clock: new FakeClock(),
        config: { mailFrom: MAIL_FROM, inbound: { imapUrl: undefined, imapPollSeconds: 30, imapLeaseSeconds: 60, imapProcessedFolder: 'Processed', maxBytes: 1024 * 1024, ticketsPerHour: PER_HOUR } },
      });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      token = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
    });
    afterAll(() => t.close());

    it(`8 mails of one sender (in any letter case) posted at once open ${PER_HOUR} tickets; the rest are rejected`, async () => {
      const senders = ['mo@flood.example', 'MO@flood.example', 'Mo@Flood.Example', 'mo@FLOOD.example'];
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => postMail(t.app, token, rawMail({ from: senders[i % senders.length]!, subject: `Flood ${i}` }))));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
      const results = responses.map((r) => r.json().result as string).sort();
      expect(results).toEqual([...Array(PER_HOUR).fill('created'), ...Array(8 - PER_HOUR).fill('rejected')]);
      const tickets = await db().selectFrom('tickets').select('id').where('title', 'like', 'Flood %').execute();
      expect(tickets).toHaveLength(PER_HOUR);
    });
  });
}
