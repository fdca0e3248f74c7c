/**
 * Files that come by mail (§10, §10.1) are held to the form's rules, their names made acceptable
 * rather than refused (a mail is never refused for its files): what a name becomes must still say
 * what the file is, and must not let through what the rules leave out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffAttachmentPath } from '../../src/http/links.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { customerMail } from '../mail/support/customer-mail.js';

describe.each(DIALECTS)('files by mail on %s', (dialect) => {
  let t: TestApp;
  let intake: TicketIntake;
  let boss: Client;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    intake = new TicketIntake(t.ctx);
    await addStaff(t.ctx, 'boss', { role: 'admin' });
    boss = new Client(t.app);
    await boss.login('boss');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('under a name longer than 255 characters keep their extension; a web page so named is still left out', async () => {
    const stem = 'Quarterly report of the printer fleet, all sites, with every page count '.repeat(5);
    const outcome = await ingestMail(
      t.ctx,
      intake,
      DEFAULT_INBOUND_SETTING,
      customerMail({
        messageId: '<long-names.1@mail.customer.example>',
        files: [
          { filename: `${stem}.pdf`, contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 long name\n') },
          { filename: `${stem}.html`, contentType: 'application/octet-stream', content: Buffer.from('<script>alert(1)</script>') },
        ],
      }),
      'http',
    );
    expect(outcome.result).toBe('created');
    const files = await t.ctx.handle.db.selectFrom('attachments').selectAll().where('ticket_id', '=', outcome.ticketId!).orderBy('id').execute();
    const message = await t.ctx.handle.db.selectFrom('messages').select('body').where('ticket_id', '=', outcome.ticketId!).executeTakeFirstOrThrow();
    expect(message.body).toMatch(/\[Not attached here, see the original mail: Quarterly report[^\]]*\.html \(not a kind of file the help desk serves\)\]/);
    expect(files.map((f) => f.filename)).toEqual([`${stem.slice(0, 251)}.pdf`]);
    const served = await boss.get(staffAttachmentPath(files[0]!));
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-disposition']).toMatch(/\.pdf$/);
  });
});
