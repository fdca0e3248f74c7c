/**
 * On the staff ticket page: the customer emails of the ticket that bounced (§10 rule 4), so the
 * agent knows the customer did not get them and can reach them another way.
 */
import type { OutboxRow } from '../db/schema.js';
import { Time } from './components.js';

export type BouncedEmail = Pick<OutboxRow, 'id' | 'kind' | 'to_address' | 'last_error' | 'sent_at' | 'created_at'>;

const KIND_NAMES: Record<OutboxRow['kind'], string> = {
  created: 'the confirmation',
  assigned: 'the assignment notice',
  reassigned: 'the reassignment notice',
  closed: 'the closing notice',
  reply: 'a reply',
  sla_breached: 'an SLA notice',
  sla_warning: 'an SLA warning',
  webhook_disabled: 'a webhook notice',
  password_reset: 'a password-reset link',
  account_changed: 'a notice of a changed password or address',
};

export function BouncedEmails({ emails }: { emails: readonly BouncedEmail[] }) {
  if (emails.length === 0) return null;
  return (
    <section id="bounced-emails" aria-label="Emails that bounced">
      {emails.map((e) => (
        <p class="flash flash-error bounced-email" role="alert" data-outbox-id={e.id}>
          <strong>
            Email to {e.to_address} bounced: {e.last_error ?? 'no reason given'}
          </strong>
          <br />
          <small>
            The customer did not get {KIND_NAMES[e.kind]} sent <Time ms={e.sent_at ?? e.created_at} />.
          </small>
        </p>
      ))}
    </section>
  );
}
