/** Kysely table types of mail: the outbox of emails to send and the inbound log of mails received (§10). */
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { InboundResult } from '../core/inbound.js';

export interface OutboxTable {
  id: Generated<number>;
  ticket_id: number | null;
  kind: 'created' | 'assigned' | 'reassigned' | 'closed' | 'sla_breached' | 'reply' | 'sla_warning' | 'webhook_disabled' | 'password_reset' | 'account_changed';
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  /**
   * `logged`: handed to the log instead of a mail server (SMTP_URL unset): done, but nobody got it.
   * `bounced`: sent, then reported undeliverable by the customer's mail server (§10 rule 4; reason in last_error).
   */
  /** `skipped`: not sent on purpose (an automatic email to a mailbox nobody reads, §5); `last_error` says why. */
  status: 'pending' | 'sending' | 'sent' | 'logged' | 'skipped' | 'failed' | 'bounced';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  /** The message a `reply` email carries (its attachments go with it). */
  message_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The Cc of the email (the ticket's copied people when it was written), comma-separated; '' for none. */
  cc_addresses: ColumnType<string, string | undefined, string>;
  /** The recipient's name (the ticket's customer) for `To: Name <address>`; '' for none. */
  to_name: ColumnType<string, string | undefined, string>;
  /** Bytes (as sent) the email's files were given when it was written (core/mailSize.ts); null: the old fixed 7 MB rule. */
  attachment_room: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One row (id 1): the SIZE the SMTP server advertised when the outbox worker last asked; null: none. */
export interface MailServerTable {
  id: number;
  max_message_bytes: number | null;
  checked_at: number;
}

export type InboundSource = 'imap' | 'http' | 'pipe';

/** Every mail received (§10), whatever became of it: the inbound log. */
export interface InboundMailsTable {
  id: Generated<number>;
  /** The Message-ID as received, or `sha256:<hex>` of the raw message without one. Unique. */
  mail_key: string;
  source: InboundSource;
  from_address: string;
  from_name: string;
  subject: string;
  /** Null while the mail is being handled. */
  result: InboundResult | null;
  reason: string | null;
  ticket_id: number | null;
  /** Size of the raw message in bytes. */
  size: number;
  /** The message as received (only its header when refused for its size). */
  raw: Buffer;
  received_at: number;
  handled_at: number | null;
}

export interface MailTables {
  outbox: OutboxTable;
  inbound_mails: InboundMailsTable;
  mail_server: MailServerTable;
}

export type OutboxRow = Selectable<OutboxTable>;
export type InboundMailRow = Selectable<InboundMailsTable>;
