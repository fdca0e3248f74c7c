/**
 * A ticket title cannot make an email's subject read reversed (SPEC §5): the overrides,
 * embeddings and isolates of direction it holds are not in the Subject a real SMTP server receives.
 */
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { deliveries, eachTestbedWithSmtp, ticketForm } from './support/testbed.js';

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

for (const dialect of DIALECTS) {
  describe(`${dialect}: no direction overrides in email headers`, () => {
    const each = eachTestbedWithSmtp(dialect);

    it('a title with a right-to-left override reaches the customer without it', async () => {
      const ticket = await intakeTicket(each.bed.ctx, ticketForm({ title: 'Invoice \u202Efdp.exe', name: 'Carla \u2067Customer' }));
      const [email] = await deliveries(each.bed.worker(each.smtp.url), each.smtp)();
      expect(email!.parsed.subject).toBe(`[HD-${ticket.id}] We received your request: Invoice fdp.exe`);
      expect(email!.parsed.subject).not.toMatch(BIDI_CONTROLS);
    });
  });
}
