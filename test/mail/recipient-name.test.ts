/**
 * The customer's emails are addressed to them by name (`To: Carla Customer <carla@…>`), as their
 * mail program shows it, not to a bare address. A name is what a customer typed or their mail's
 * From carried, so nothing in it may break the header or forge a second recipient: quotes, commas,
 * angle brackets, `@`, line breaks and direction overrides. Checked on the raw message a real SMTP
 * server received, both engines. Staff are addressed by their display name the same way (their
 * password reset, SLA alerts, an endpoint disabled): those went to the bare address.
 */
import { describe, expect, it } from 'vitest';
import { enqueueEmail } from '../../src/repositories/outbox.js';
import { requestPasswordReset } from '../../src/services/accounts.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { eachTestbedWithSmtp, ticketForm } from './support/testbed.js';

/** The To header of a raw message, its folded lines joined. */
function toHeader(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0]!;
  const lines = head.split(/\r?\n(?![ \t])/).filter((l) => /^to:/i.test(l));
  expect(lines).toHaveLength(1);
  return lines[0]!.replace(/\r?\n[ \t]/g, ' ');
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the To of a customer's email`, () => {
    const t = eachTestbedWithSmtp(dialect);

    it('names the customer: `Name <address>`, a non-ASCII name as an RFC 2047 encoded word', async () => {
      await intakeTicket(t.bed.ctx, ticketForm({ name: 'Zoë Ağaoğlu-Müller', email: 'zoe@customer.example' }));
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expect(email.parsed.to).toMatchObject({ value: [{ name: 'Zoë Ağaoğlu-Müller', address: 'zoe@customer.example' }] });
      expect(toHeader(email.raw)).toMatch(/^To: =\?UTF-8\?[BQ]\?.+\?= <zoe@customer\.example>$/);
      expect(email.rcptTo).toEqual(['zoe@customer.example']);
    });

    it("names a staff member by display name on the staff's own emails (a password reset), as safely", async () => {
      await addStaff(t.bed.ctx, 'ana', { displayName: 'Ana "Ops", Lead <ops@evil.example>' });
      await requestPasswordReset(t.bed.ctx, { email: 'ana@team.test' });
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      const email = t.smtp.received[0]!;
      expect(email.rcptTo).toEqual(['ana@team.test']);
      expect(t.smtp.recipientsOffered).toEqual(['ana@team.test']);
      expect(email.parsed.to).toMatchObject({ value: [{ name: 'Ana "Ops", Lead <ops@evil.example>', address: 'ana@team.test' }] });
      expect((email.parsed.to as { value: unknown[] }).value).toHaveLength(1);
    });

    const hostile: [string, string, string][] = [
      ['quotes and a backslash', 'Carla "The Boss" \\ Customer', 'Carla "The Boss" \\ Customer'],
      ['a comma and a second address', 'Customer, Mallory <mallory@evil.example>', 'Customer, Mallory <mallory@evil.example>'],
      ['angle brackets, @ and a semicolon', '<x@evil.example>; Bcc: y@evil.example', '<x@evil.example>; Bcc: y@evil.example'],
      ['a line break starting a header', 'Carla\r\nBcc: mallory@evil.example', 'Carla Bcc: mallory@evil.example'],
      ['direction overrides', 'Carla \u202Eevil.example@\u202C', 'Carla evil.example@'],
    ];
    for (const [what, name, shown] of hostile) {
      it(`a name with ${what} stays one name of the one recipient`, async () => {
        const content = { subject: '[HD-1] Printer', text: 'Body', html: '<p>Body</p>' };
        await enqueueEmail(t.bed.ctx.handle.db, { ticketId: null, kind: 'created', to: 'carla@customer.example', toName: name, content, now: t.bed.clock.now() });
        expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
        const email = t.smtp.received[0]!;
        expect(email.rcptTo).toEqual(['carla@customer.example']);
        expect(t.smtp.recipientsOffered).toEqual(['carla@customer.example']);
        expect(email.parsed.to).toMatchObject({ value: [{ name: shown, address: 'carla@customer.example' }] });
        expect((email.parsed.to as { value: unknown[] }).value).toHaveLength(1);
        expect(email.parsed.bcc).toBeUndefined();
        expect(email.parsed.cc).toBeUndefined();
        expect(email.raw).not.toMatch(/^bcc:/im);
        expect(email.raw).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      });
    }
  });
}
