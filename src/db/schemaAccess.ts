/** Kysely table types of signing in, sessions, API tokens, rate limits and the audit log (§8, §15). */
import type { ColumnType, Generated, Selectable } from 'kysely';

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

/** Single-use recovery codes of a user's second factor (§15): only their SHA-256. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  created_at: number;
  used_at: number | null;
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

/** Rate-limit hits per limit and key in the window ending at reset_at (RATE_LIMIT_STORE=database). */
export interface RateLimitCountsTable {
  key: string;
  /** Hits in the window; for the login limits, the failures counted. */
  count: number;
  /** The login limits' checks in flight, reserved before a password or code is checked. */
  held: Generated<number>;
  reset_at: number;
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

/** A one-time form key already used: what its post made (see the form_receipts migration). */
export interface FormReceiptsTable {
  form_key: string;
  /** What the post made, as `kind:id` (e.g. `webhook:12`). */
  made: string;
  created_at: number;
}

export interface AccessTables {
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  password_resets: PasswordResetsTable;
  recovery_codes: RecoveryCodesTable;
  audit_log: AuditLogTable;
  rate_limit_counts: RateLimitCountsTable;
  sso_logins: SsoLoginsTable;
  form_receipts: FormReceiptsTable;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
