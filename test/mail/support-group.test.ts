/**
 * A support address that is itself a mail group (a Google Workspace group, a Mailman list) that
 * hands every mail on to the mailbox the help desk reads (§10 rule 3), through
 * POST /api/v1/inbound/email on both engines. The group marks every mail it hands on as list mail
 * (`Precedence: list`, `List-Post`, `Mailing-list`): that is the help desk's own group speaking, not
 * the sender, so the customer's mail opens its ticket or reaches it; list mail of anyone else's list,
 * and an auto-reply through our own group, stay `ignored`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { customerMail } from './support/customer-mail.js';
import { postMail } from './support/raw-mail.js';

const MAIL_FROM = 'Helpdesk <support@helpdesk.example>';

/** The header lines a Google Workspace group writes on every mail it hands on (`group@domain`). */
function googleGroup(group: string): string[] {
  const [name, domain] = group.split('@') as [string, string];
  return [
    'Precedence: list',
    `Mailing-list: list ${group}; contact ${name}+owners@${domain}`,
    `List-ID: <${name}.${domain}>`,
    'X-Google-Group-Id: 480923840912',
    `List-Post: <https://groups.google.com/a/${domain}/group/${name}/post>, <mailto:${group}>`,
    `List-Help: <https://support.google.com/a/${domain}/bin/topic.py?topic=25838>, <mailto:${name}+help@${domain}>`,
    `List-Archive: <https://groups.google.com/a/${domain}/group/${name}/>`,
    `List-Unsubscribe: <mailto:googlegroups-manage+480923840912+unsubscribe@googlegroups.com>, <https://groups.google.com/a/${domain}/group/${name}/subscribe>`,
    'X-Original-Sender: carla@customer.example',
  ];
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: mail handed on by the help desk's own group`, () => {
    let t: TestApp;
    let inboundToken: string;
    let billing: number;

    beforeEach(async () => {
      t = await startTestApp(dialect, { clock: new FakeClock(), config: { mailFrom: MAIL_FROM } });
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      inboundToken = (await createApiToken(t.ctx, root, 'mail server', 'inbound')).token;
      billing = (await t.ctx.handle.db.insertInto('topics').values({ name: 'Billing', team_id: 1, default_priority: null }).returning('id').executeTakeFirstOrThrow()).id;
      await t.ctx.handle.db.insertInto('topic_addresses').values({ address: 'billing@helpdesk.example', topic_id: billing }).execute();
    });
    afterEach(async () => t.close());

    const deliver = async (raw: Buffer) => {
      const response = await postMail(t.app, inboundToken, raw);
      expect(response.statusCode).toBe(200);
      return response.json() as { result: string; ticket: string | null; reason: string | null };
    };
    const ticketOf = (reference: string) => t.ctx.handle.db.selectFrom('tickets').selectAll().where('id', '=', Number(reference.slice(3))).executeTakeFirstOrThrow();
    const emailsOf = (reference: string) => t.ctx.handle.db.selectFrom('outbox').select(['kind', 'to_address']).where('ticket_id', '=', Number(reference.slice(3))).orderBy('id').execute();

    it('a customer mail through the support group opens a ticket of theirs, with its receipt; their answer through it reaches the ticket', async () => {
      const opened = await deliver(customerMail({ to: 'support@helpdesk.example', messageId: '<g.1@mail.customer.example>', headers: googleGroup('support@helpdesk.example') }));
      expect(opened).toMatchObject({ result: 'created', reason: null });
      expect(await ticketOf(opened.ticket!)).toMatchObject({ customer_email: 'carla@customer.example', title: 'Printer on fire', status: 'open' });
      expect(await emailsOf(opened.ticket!)).toEqual([{ kind: 'created', to_address: 'carla@customer.example' }]);

      const answer = customerMail({ to: 'support@helpdesk.example', subject: `Re: [${opened.ticket}] Printer on fire`, messageId: '<g.2@mail.customer.example>', text: 'It is smoking now.', headers: googleGroup('support@helpdesk.example') });
      expect(await deliver(answer)).toMatchObject({ result: 'appended', ticket: opened.ticket });
    });

    it("a mail whose From the group rewrote to its own address (DMARC: \"'Carla' via Support\") is the author's: Reply-To, else X-Original-Sender", async () => {
      const rewritten = (messageId: string, replyTo: string | null, group = 'support@helpdesk.example') =>
        customerMail({
          from: `"'Carla Customer' via Support" <${group}>`,
          to: group,
          messageId,
          headers: [...(replyTo === null ? [] : [`Reply-To: ${replyTo}`]), ...googleGroup(group)],
        });
      const opened = await deliver(rewritten('<d.1@mail.customer.example>', '=?utf-8?Q?Carla_M=C3=BCller?= <carla@customer.example>'));
      expect(opened).toMatchObject({ result: 'created', reason: null });
      expect(await ticketOf(opened.ticket!)).toMatchObject({ customer_email: 'carla@customer.example', customer_name: 'Carla Müller' });
      expect(await emailsOf(opened.ticket!)).toEqual([{ kind: 'created', to_address: 'carla@customer.example' }]);
      const log = await t.ctx.handle.db.selectFrom('inbound_mails').select(['from_address', 'from_name']).where('mail_key', '=', '<d.1@mail.customer.example>').executeTakeFirstOrThrow();
      expect(log).toEqual({ from_address: 'carla@customer.example', from_name: 'Carla Müller' });
      // Without a Reply-To: the group's X-Original-Sender; through a topic's group alike.
      const bare = await deliver(rewritten('<d.2@mail.customer.example>', null, 'billing@helpdesk.example'));
      expect(bare.result).toBe('created');
      expect(await ticketOf(bare.ticket!)).toMatchObject({ customer_email: 'carla@customer.example', customer_name: 'carla', topic_id: billing });
      // A Reply-To naming the group itself says nothing of the author.
      const toGroup = await deliver(rewritten('<d.3@mail.customer.example>', 'support@helpdesk.example'));
      expect(await ticketOf(toGroup.ticket!)).toMatchObject({ customer_email: 'carla@customer.example' });
    });

    it("our own address as From without our group (the support mailbox writing to itself) stays ignored, Reply-To or not", async () => {
      const own = await deliver(customerMail({ from: 'Helpdesk <support@helpdesk.example>', messageId: '<d.4@helpdesk.example>', headers: ['Reply-To: carla@customer.example'] }));
      expect(own).toMatchObject({ result: 'ignored', ticket: null, reason: "Sent from the help desk's own address support@helpdesk.example: no ticket, no email." });
    });

    it('through a topic address that is a group: the ticket gets that topic', async () => {
      const opened = await deliver(customerMail({ to: 'billing@helpdesk.example', messageId: '<g.3@mail.customer.example>', headers: ['Delivered-To: billing@helpdesk.example', ...googleGroup('billing@helpdesk.example')] }));
      expect(opened.result).toBe('created');
      expect((await ticketOf(opened.ticket!)).topic_id).toBe(billing);
    });

    it("someone else's list, and an auto-reply through our own group, stay ignored: no ticket, no email", async () => {
      const before = await t.ctx.handle.db.selectFrom('tickets').select('id').execute();
      const list = await deliver(customerMail({ messageId: '<g.4@lists.example>', headers: googleGroup('printers@lists.example') }));
      expect(list).toMatchObject({ result: 'ignored', ticket: null, reason: 'Automatic mail (Precedence: list): no ticket, no email.' });
      const away = await deliver(customerMail({ messageId: '<g.5@mail.customer.example>', headers: ['Auto-Submitted: auto-replied', ...googleGroup('support@helpdesk.example')] }));
      expect(away).toMatchObject({ result: 'ignored', ticket: null });
      expect(await t.ctx.handle.db.selectFrom('tickets').select('id').execute()).toEqual(before);
      expect(await t.ctx.handle.db.selectFrom('outbox').select('id').execute()).toEqual([]);
    });
  });
}
