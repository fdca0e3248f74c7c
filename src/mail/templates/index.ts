import { assigned } from './assigned.js';
import { closed } from './closed.js';
import { created } from './created.js';
import type { EmailContent, TicketMailData } from './layout.js';
import { reassigned } from './reassigned.js';
import { slaBreached } from './slaBreached.js';

export type { EmailContent, TicketMailData } from './layout.js';
export { reply as renderReply, type ReplyMailData, type QuotedMessage } from './reply.js';
export { slaAlert as renderSlaAlert, type SlaAlert } from './slaAlert.js';
export { webhookDisabled as renderWebhookDisabled } from './webhookDisabled.js';
export { passwordReset as renderPasswordReset, type PasswordResetMailData } from './passwordReset.js';
export { accountChanged as renderAccountChanged, type AccountChangedMailData } from './accountChanged.js';

/**
 * `sla_warning`: a §11 target's warning to staff (a first-response or next-reply breach is an
 * `sla_breached` email, rendered by slaAlert). `webhook_disabled`: a webhook endpoint turned off
 * after a day of failures (§13). `password_reset`: a staff member's reset link (§15).
 * `account_changed`: a staff account's notice of a new password or address, to its old address (§15).
 */
export const MAIL_KINDS = ['created', 'assigned', 'reassigned', 'closed', 'sla_breached', 'reply', 'sla_warning', 'webhook_disabled', 'password_reset', 'account_changed'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** The kinds that go to the ticket's customer: one conversation per ticket in their mail client. */
export const CUSTOMER_MAIL_KINDS = ['created', 'assigned', 'reassigned', 'closed', 'reply'] as const satisfies readonly MailKind[];

/**
 * Whether an email of this kind is automatic (RFC 3834 `Auto-Submitted: auto-generated`): all but
 * a `reply`, which a person wrote.
 */
export function isAutomaticKind(kind: MailKind): boolean {
  return kind !== 'reply';
}

/** Kinds rendered from the ticket's facts alone (a `reply` also needs its message: renderReply). */
export type TicketMailKind = Exclude<MailKind, 'reply' | 'sla_warning' | 'webhook_disabled' | 'password_reset' | 'account_changed'>;

const templates: Record<TicketMailKind, (data: TicketMailData) => EmailContent> = {
  created,
  assigned,
  reassigned,
  closed,
  sla_breached: slaBreached,
};

/** Renders the subject, plain text and HTML of one §5 email. */
export function renderEmail(kind: TicketMailKind, data: TicketMailData): EmailContent {
  return templates[kind](data);
}
