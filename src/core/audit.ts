/**
 * The audit log's rules (SPEC §15): what an entry holds, and the redaction that keeps every
 * password, token, secret and code out of it. Pure.
 */
import { REDACTED } from './redact.js';

/** Field names whose values are never written to the audit log, at any depth, in any case. */
const SECRET_FIELD = /pass(word)?|token|secret|totp|otp|hash|recovery|code|csrf|cookie|authorization|enrolment|nonce|verifier/i;

/**
 * `value` with the value of every secret-named field replaced by `[redacted]`, at any depth (objects
 * and arrays); strings, numbers and the rest kept. Deeper than 10 levels: `[redacted]` (no audit
 * entry needs that, and a cycle cannot loop).
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 10) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_FIELD.test(key) ? REDACTED : redactSecrets(inner, depth + 1)]));
}

/**
 * How a sign-in proved who it was: its first step (a password, or the provider's word through
 * single sign-on) and the second factor that followed, if any: an app's code, or a recovery code
 * (which, used by someone else, is the first sign that the codes are known).
 */
export interface SignInProof {
  method: 'password' | 'sso';
  secondFactor: 'totp' | 'recovery' | null;
}

/**
 * What a sign-in's entry holds as its `after`: `method` when single sign-on opened it,
 * `second_factor` when a second step followed; nothing for a password alone.
 */
export function signInAfter(proof: SignInProof): Record<string, string> | undefined {
  const after = { ...(proof.method === 'sso' ? { method: 'sso' } : {}), ...(proof.secondFactor === null ? {} : { second_factor: proof.secondFactor }) };
  return Object.keys(after).length === 0 ? undefined : after;
}

/**
 * Every action the audit log records: the writer's type (services/audit.ts) is this list, so a
 * new action is added here or does not compile, and the action filter (parseAuditAction) knows
 * exactly what it can find.
 */
export const AUDIT_ACTIONS = [
  'sign_in',
  'sign_in.failed',
  'sign_out',
  'account.update',
  'account.password_reset',
  'account.password_reset_requested',
  'account.two_factor_on',
  'account.two_factor_off',
  'account.recovery_codes_renewed',
  'user.create',
  'user.update',
  'user.deactivate',
  'user.reactivate',
  'user.capacity',
  'user.teams',
  'user.two_factor_reset',
  'settings.update',
  'settings.two_factor_required',
  'ticket.reassign',
  'ticket.requeue',
  'ticket.close',
  'ticket.cc_remove',
  'email.retry',
  'token.create',
  'token.revoke',
  'webhook.create',
  'webhook.update',
  'webhook.secret_rotate',
  'webhook.delete',
  'webhook.retry',
  'export.tickets',
  'export.audit',
  'canned_reply.create',
  'canned_reply.update',
  'canned_reply.delete',
  'calendar.create',
  'calendar.update',
  'calendar.delete',
  'team.create',
  'team.update',
  'team.delete',
  'skill.create',
  'skill.update',
  'skill.delete',
  'topic.create',
  'topic.update',
  'topic.delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * Actions the log holds from earlier versions and no code writes any more: the filter (page, export,
 * API) still finds them by name, as their entries stay, but they are not AuditAction, so no writer
 * can use them again. A renamed or dropped action moves here, with what is written instead: a family
 * is read as the actions of these two lists (auditActionsOf), so an action in neither is found by
 * no filter.
 * - `user.created`: an account made at its first single sign-on (2026-12-03); now `user.create`
 *   with `via: "sso"` in its after state.
 */
export const RETIRED_AUDIT_ACTIONS = ['user.created'] as const;

/** Every action name the filter takes: those written now, then the retired ones. */
const FILTERABLE_ACTIONS: ReadonlySet<string> = new Set<string>([...AUDIT_ACTIONS, ...RETIRED_AUDIT_ACTIONS]);

/** The families of actions (`user` for every `user.…`), which the filter also takes. */
const AUDIT_FAMILIES: ReadonlySet<string> = new Set([...FILTERABLE_ACTIONS].map((action) => action.split('.')[0]!));

/** Every value the action filter takes: the families, then the actions (`sign_in` is both). */
export const AUDIT_ACTION_FILTERS: readonly string[] = [...new Set([...AUDIT_FAMILIES, ...FILTERABLE_ACTIONS])];

/** One entry as a service hands it to audit(). */
export interface AuditEntry {
  /** Who acted; null when nobody is signed in (a failed sign-in, the system). */
  actor: { id: number; name: string } | null;
  action: AuditAction;
  /** What was acted on, in words: `user:12`, `settings`, `ticket:HD-42`, a username typed at login. */
  subject: string;
  /** The client's address. */
  address: string;
  before?: unknown;
  after?: unknown;
}

/** The row's JSON of a before or after state: redacted, or null when there is none. */
export function auditJson(state: unknown): string | null {
  return state === undefined ? null : JSON.stringify(redactSecrets(state));
}

/** What the action filter says by the field when it names no action the log records. */
export const UNKNOWN_AUDIT_ACTION = 'The log records no such action: enter one such as user.create, or a family such as user.';

/**
 * An action filter as typed: an action the log records (`user.create`), one it recorded once
 * (RETIRED_AUDIT_ACTIONS: `user.created`) or a family of them (`user`, `sign_in`, `export`),
 * lower-cased; else null. Anything else used to answer an empty list, which reads as "nobody did
 * that"; a retired name used to be refused though its entries are there.
 */
export function parseAuditAction(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  return FILTERABLE_ACTIONS.has(value) || AUDIT_FAMILIES.has(value) ? value : null;
}

/**
 * The actions an action filter (as parseAuditAction gives it) stands for: itself when it is an
 * action; for a family, the family's name if it is an action too (`sign_in`) and every action of
 * the two lists under it (`user.create`, …, the retired `user.created`). The log is read one action
 * at a time (repositories/auditLog.ts), each a walk of its index by action and id: a condition on
 * the name's first characters, which no index serves, walked the whole log for a rare family.
 */
export function auditActionsOf(filter: string): string[] {
  return [...FILTERABLE_ACTIONS].filter((action) => action === filter || action.startsWith(`${filter}.`));
}

/**
 * How far an entry's `at` may stand from the order of ids. Ids rise in the order entries are
 * written; `at` is the writing server's clock when its transaction began, so two servers' clocks,
 * or a transaction that waited on a lock, can put a later id at an earlier `at`, or the reverse.
 * Seconds in practice (one clock, NTP-disciplined hosts, statement timeouts of seconds); an hour is
 * the margin the date filter trusts, and costs an hour's worth of entries walked at each end of a
 * range (3,600 at one a second: milliseconds). An entry written more than this out of order is
 * outside the promise: a date filter may miss it (README "Audit log").
 */
export const AUDIT_CLOCK_MARGIN_MS = 3_600_000;

/**
 * The `at` thresholds that bound a date range's ids (repositories/auditLog.ts): any entry with `at`
 * below `below` is older, by id, than every entry of the range (each of those has `at` ≥ from ≥
 * below + margin), and any entry with `at` at or over `above` is newer than all of them. So the id
 * of the newest entry under `below` and of the oldest over `above`, two seeks of the index by `at`,
 * bound a walk of the log by id that misses nothing of the range. An open side has no threshold.
 */
export function auditIdThresholds(range: { from?: number; to?: number }, margin = AUDIT_CLOCK_MARGIN_MS): { below?: number; above?: number } {
  return { ...(range.from !== undefined && { below: range.from - margin }), ...(range.to !== undefined && { above: range.to + margin }) };
}

/** An actor filter as typed: a username, lower-cased; else null. */
export function parseAuditActor(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  return /^[a-z0-9._-]{1,64}$/.test(value) ? value : null;
}

/** One field an audited action changed, its values as JSON text; a side it is absent from is undefined. */
export interface AuditFieldChange {
  /** The field's path: `capacity`, `sla.high` (objects are opened; arrays are one value). */
  field: string;
  before?: string;
  after?: string;
}

/** `state`'s fields as paths to JSON texts: objects opened to their leaves (an empty one inside is a value), anything else one value. */
function leavesOf(state: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (state !== null && typeof state === 'object' && !Array.isArray(state) && (prefix === '' || Object.keys(state).length > 0)) {
    for (const [key, inner] of Object.entries(state)) leavesOf(inner, prefix === '' ? key : `${prefix}.${key}`, into);
  } else if (state !== undefined) {
    into.set(prefix, JSON.stringify(state));
  }
  return into;
}

/**
 * What an entry changed, field by field, for people to read (the audit page): the fields whose
 * values differ between `before` and `after` (stored JSON states; null: none), in the order they
 * appear; a creation lists what was set, a deletion what was there. A state that is not an object
 * is one field named by its kind (`value`).
 */
export function auditChanges(before: unknown, after: unknown): AuditFieldChange[] {
  const named = (state: unknown) => (state !== null && typeof state === 'object' && !Array.isArray(state) ? leavesOf(state) : state === null || state === undefined ? new Map<string, string>() : new Map([['value', JSON.stringify(state)]]));
  const old = named(before);
  const now = named(after);
  const changes: AuditFieldChange[] = [];
  for (const field of new Set([...old.keys(), ...now.keys()])) {
    const was = old.get(field);
    const is = now.get(field);
    if (was === is) continue;
    changes.push({ field, ...(was === undefined ? {} : { before: was }), ...(is === undefined ? {} : { after: is }) });
  }
  return changes;
}

/**
 * What an update changed, as its entry records it: `before` and `after` cut down to the fields that
 * differ (objects opened to their leaves, as auditChanges reads them; arrays are one value), so an
 * entry names only what its admin changed. Null when nothing did. For two objects; anything else
 * is kept whole when it differs.
 */
export function changedParts(before: unknown, after: unknown): { before: unknown; after: unknown } | null {
  const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject(before) || !isObject(after)) return JSON.stringify(before) === JSON.stringify(after) ? null : { before, after };
  const was: Record<string, unknown> = {};
  const is: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const inner = key in before && key in after ? changedParts(before[key], after[key]) : { before: before[key], after: after[key] };
    if (inner === null) continue;
    if (key in before) was[key] = inner.before;
    if (key in after) is[key] = inner.after;
  }
  return Object.keys(was).length === 0 && Object.keys(is).length === 0 ? null : { before: was, after: is };
}
