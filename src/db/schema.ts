/**
 * Kysely table types. Times are epoch milliseconds (bigint on PostgreSQL, integer on SQLite) so
 * arithmetic such as resolution time is the same SQL on both engines. Flags are 0/1 integers.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { InboundResult } from '../core/inbound.js';
import type { SlaMetric } from '../core/slaClocks.js';
import type { TeamTables } from './schemaTeams.js';
import type { SummaryTables } from './schemaSummaries.js';
import type { WebhookTables } from './schemaWebhooks.js';
import type { CcTables } from './schemaCcs.js';

export type { WebhookDeliveriesTable, WebhookDeliveryRow, WebhookEndpointRow, WebhookEndpointsTable, WebhookEventRow, WebhookEventsTable } from './schemaWebhooks.js';

export interface UsersTable {
  id: Generated<number>;
  /** Stored lower-case: usernames are unique in any letter case. */
  username: string;
  display_name: string;
  email: string;
  password_hash: string;
  role: 'agent' | 'admin';
  /** Null: the global default_capacity applies. */
  capacity: number | null;
  presence: 'offline' | 'available' | 'away';
  last_assigned_at: number | null;
  active: ColumnType<number, number | undefined, number>;
  created_at: number;
  /** Last time a server process saw one of the user's pages open (live stream, background refresh): auto-away. */
  live_seen_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** When the system set the user away for want of an open page (AUTO_AWAY_MINUTES); null otherwise. */
  auto_away_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** The confirmed TOTP secret (base32, §15); null: no second factor. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>;
  /** The 30-second step of the last TOTP code accepted: no code is accepted twice. */
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Single-use recovery codes of a user's second factor (§15): only their SHA-256. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface TicketsTable {
  id: Generated<number>;
  token: string;
  customer_name: string;
  customer_email: string;
  title: string;
  description: string;
  priority: 'high' | 'medium' | 'low';
  status: 'open' | 'closed';
  agent_id: number | null;
  created_at: number;
  assigned_at: number | null;
  closed_at: number | null;
  sla_due_at: number;
  sla_breached_at: number | null;
  /**
   * The random key of the submission that created the ticket (unique): a write retried after a
   * failure finds the ticket it may already have stored (src/db/batcher.ts). Null: created without
   * one, or before keys existed.
   */
  intake_key: string | null;
  /** Whose turn it is (§9): `agent` after creation and every customer message, `customer` after a public reply; null once closed. */
  waiting_on: ColumnType<'agent' | 'customer' | null, 'agent' | 'customer' | null | undefined, 'agent' | 'customer' | null>;
  /** The first public reply's time. */
  first_response_at: ColumnType<number | null, number | null | undefined, number | null>;
  /**
   * A close asked for on an agent page and not yet committed (the undo window, src/core/pendingClose.ts):
   * when it commits (the end of the window) and who asked. Both null when none is pending; cleared by an undo, by any move of the ticket,
   * and by the commit of the close.
   */
  close_due_at: OptionalTime;
  close_requested_by: ColumnType<number | null, number | null | undefined, number | null>;
  /** The closed ticket this one follows up (§9). */
  follow_up_of: ColumnType<number | null, number | null | undefined, number | null>;
  /** The calendar version the ticket's SLA clocks count with (§11); null: 24/7. */
  sla_calendar_version_id: OptionalTime;
  /** The resolution clock is paused since (waiting on the customer, §11); `sla_due_at` is then PAUSED_DUE_AT. */
  sla_paused_at: OptionalTime;
  /** Business time left on the resolution clock when it paused. */
  sla_remaining_ms: OptionalTime;
  /** When the resolution warning is due (warn_at_percent), and when it was given. */
  sla_warn_at: OptionalTime;
  sla_warned_at: OptionalTime;
  /** Business time left until the resolution warning when the clock paused (null: no warning pending). */
  sla_warn_remaining_ms: OptionalTime;
  /** The first-response target's due instant (null: no target), its warning, its breach. */
  first_response_due_at: OptionalTime;
  first_response_warn_at: OptionalTime;
  first_response_warned_at: OptionalTime;
  first_response_breached_at: OptionalTime;
  /** The running next-reply clock (null: none running): started by a customer message, stopped by a public reply. */
  next_reply_started_at: OptionalTime;
  next_reply_due_at: OptionalTime;
  next_reply_warn_at: OptionalTime;
  next_reply_warned_at: OptionalTime;
  next_reply_breached_at: OptionalTime;
  /** The ticket's next-reply clocks stopped in time, and late (§11 figures; src/core/slaFigures.ts). */
  next_reply_met: ColumnType<number, number | undefined, number>;
  next_reply_breached: ColumnType<number, number | undefined, number>;
  /** The customer's rating of the closed ticket (§13; src/core/csat.ts): null until rated. */
  csat_score: ColumnType<'good' | 'bad' | null, 'good' | 'bad' | null | undefined, 'good' | 'bad' | null>;
  csat_comment: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the rating was given or last changed. */
  csat_rated_at: OptionalTime;
  /** The team (§12) whose members may take the ticket; 1: Support. */
  team_id: ColumnType<number, number | undefined, number>;
  /** The topic the ticket was created for; null only if that topic was deleted. */
  topic_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The skills it needs, JSON (see src/core/teams.ts skillsJson), copied from the topic at creation. */
  required_skills: ColumnType<string, string | undefined, string>;
  /** The next moment more agents may take it while it waits (routing-due job); null: none. */
  routing_due_at: OptionalTime;
}

export interface TicketEventsTable {
  id: Generated<number>;
  ticket_id: number;
  type: 'created' | 'assigned' | 'reassigned' | 'requeued' | 'closed' | 'sla_breached';
  at: number;
  from_agent_id: number | null;
  to_agent_id: number | null;
  /** The staff member who caused it; null for the customer or the system. */
  actor_id: number | null;
  /** The SLA target an `sla_breached` event is about (§11); null: resolution, or not an SLA event. */
  metric: ColumnType<SlaMetric | null, SlaMetric | null | undefined, SlaMetric | null>;
}

/** A nullable instant column most inserts leave out. */
type OptionalTime = ColumnType<number | null, number | null | undefined, number | null>;

export type MessageKind = 'customer' | 'reply' | 'note';
export type MessageChannel = 'web' | 'email' | 'api';

/** One message of a ticket's thread (§9), oldest first by id. */
export interface MessagesTable {
  id: Generated<number>;
  ticket_id: number;
  kind: MessageKind;
  /** The staff member who wrote it; null for the customer. */
  author_id: number | null;
  /** The writer's name as it was when written (the customer's name, or the staff display name). */
  author_name: string;
  body: string;
  channel: MessageChannel;
  /** 1: an automatic message (an auto-reply mail shown on its ticket, §10). */
  automatic: ColumnType<number, number | undefined, number>;
  created_at: number;
  /** The mail this message came from (§10): its Message-ID, or `sha256:<hex>` of it; unique. */
  mail_key: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Attachment contents, one row per distinct SHA-256 (§10.1). */
export interface FilesTable {
  sha256: string;
  size: number;
  content: Buffer;
  created_at: number;
}

/** One file on one message, with the name and type it came with. */
export interface AttachmentsTable {
  id: Generated<number>;
  message_id: number;
  ticket_id: number;
  file_sha256: string;
  filename: string;
  content_type: string;
  size: number;
  created_at: number;
}

/** Named texts agents pick into the reply box (§9). */
export interface CannedRepliesTable {
  id: Generated<number>;
  name: string;
  body: string;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie's random token: a stolen database does not yield live sessions. */
  id: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
}

/** A password-reset link (§15): the SHA-256 of its token, its 30 minutes, and when it was used. */
export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** One audited action (§15): who, when, from where, what, and the state before and after (JSON, secrets redacted). */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: number | null;
  actor_name: string;
  action: string;
  subject: string;
  address: string;
  before_json: string | null;
  after_json: string | null;
}

export interface SettingsTable {
  id: number;
  sla_high_seconds: number;
  sla_medium_seconds: number;
  sla_low_seconds: number;
  default_capacity: number;
  queue_order: 'oldest' | 'deadline';
  release_on_logout: number;
  /** Priority of tickets created from mail (§10 rule 6). */
  email_priority: ColumnType<'high' | 'medium' | 'low', 'high' | 'medium' | 'low' | undefined, 'high' | 'medium' | 'low'>;
  /** §11 targets in seconds; null: none. */
  first_response_high_seconds: OptionalSeconds;
  first_response_medium_seconds: OptionalSeconds;
  first_response_low_seconds: OptionalSeconds;
  next_reply_high_seconds: OptionalSeconds;
  next_reply_medium_seconds: OptionalSeconds;
  next_reply_low_seconds: OptionalSeconds;
  /** The SLA calendar; null: 24/7. */
  calendar_id: OptionalSeconds;
  pause_while_waiting: ColumnType<number, number | undefined, number>;
  /** null: no warnings. */
  warn_at_percent: OptionalSeconds;
  /** 1: every staff member must use a second factor (enrolment at the next login, §15). */
  require_two_factor: ColumnType<number, number | undefined, number>;
}

type OptionalSeconds = ColumnType<number | null, number | null | undefined, number | null>;

/**
 * Per §11 target and priority, the tickets' clocks that met their target and those that breached,
 * kept by triggers on tickets from the rules of src/core/slaFigures.ts (migration 2026-12-03T0900).
 */
export interface SlaTargetCountsTable {
  metric: SlaMetric;
  priority: 'high' | 'medium' | 'low';
  met: number;
  breached: number;
}

/** A business-hours calendar (§11): its name and the version in force. */
export interface CalendarsTable {
  id: Generated<number>;
  name: string;
  version_id: number;
  created_at: number;
  updated_at: number;
}

/** One saved calendar definition (core/calendar.ts CalendarDefinition as JSON); never changed once written. */
export interface CalendarVersionsTable {
  id: Generated<number>;
  calendar_id: number;
  definition: string;
  created_at: number;
}

export interface OutboxTable {
  id: Generated<number>;
  ticket_id: number | null;
  kind: 'created' | 'assigned' | 'reassigned' | 'closed' | 'sla_breached' | 'reply' | 'sla_warning' | 'webhook_disabled' | 'password_reset';
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

/** API tokens (§8); the token itself is shown once and only its SHA-256 is kept. */
export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** Hex SHA-256 of the bearer token. */
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  /** `api`: whatever its owner's role may do; `inbound`: only POST /api/v1/inbound/email (§10). */
  scope: ColumnType<ApiTokenScope, ApiTokenScope | undefined, ApiTokenScope>;
}

export type ApiTokenScope = 'api' | 'inbound';

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

/** Rate-limit hits per limit and key in the window ending at reset_at (RATE_LIMIT_STORE=database). */
export interface RateLimitCountsTable {
  key: string;
  /** Hits in the window; for the login limits, the failures counted. */
  count: number;
  /** The login limits' checks in flight, reserved before a password or code is checked. */
  held: Generated<number>;
  reset_at: number;
}

/** One change of an agent's presence (SPEC §14's backtest replays the staffing really on duty). */
export interface PresenceHistoryTable {
  id: Generated<number>;
  user_id: number;
  at: number;
  presence: 'offline' | 'available' | 'away';
}

/** A single sign-on under way (§15): what its callback must check, until it is taken or expires. */
export interface SsoLoginsTable {
  /** SHA-256 (hex) of the `state` sent to the provider. */
  state_hash: string;
  nonce: string;
  code_verifier: string;
  /** Where to land after the login ('' for the landing page). */
  next_path: string;
  created_at: number;
  expires_at: number;
}

/** A one-time form key already used: what its post made (see the form_receipts migration). */
export interface FormReceiptsTable {
  form_key: string;
  /** What the post made, as `kind:id` (e.g. `webhook:12`). */
  made: string;
  created_at: number;
}

/** A job one process at a time runs: who holds it, until when (renewed while alive). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface Database extends TeamTables, WebhookTables, SummaryTables, CcTables {
  mail_server: MailServerTable;
  users: UsersTable;
  tickets: TicketsTable;
  ticket_events: TicketEventsTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  outbox: OutboxTable;
  api_tokens: ApiTokensTable;
  messages: MessagesTable;
  files: FilesTable;
  attachments: AttachmentsTable;
  canned_replies: CannedRepliesTable;
  inbound_mails: InboundMailsTable;
  leases: LeasesTable;
  calendars: CalendarsTable;
  calendar_versions: CalendarVersionsTable;
  sla_target_counts: SlaTargetCountsTable;
  password_resets: PasswordResetsTable;
  recovery_codes: RecoveryCodesTable;
  audit_log: AuditLogTable;
  rate_limit_counts: RateLimitCountsTable;
  presence_history: PresenceHistoryTable;
  sso_logins: SsoLoginsTable;
  form_receipts: FormReceiptsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type TicketRow = Selectable<TicketsTable>;
export type NewTicketRow = Insertable<TicketsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type MessageRow = Selectable<MessagesTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
export type CannedReplyRow = Selectable<CannedRepliesTable>;
export type InboundMailRow = Selectable<InboundMailsTable>;
