/**
 * API tokens (§8): created by admins (admin pages, `npm run token:create`), shown once, stored as a
 * SHA-256, revocable, their last use recorded. The only credential the JSON API accepts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { invalidInput, notFound } from '../core/errors.js';
import { activityToRecord, recordingLimit, touchEveryMs } from '../core/idleLimits.js';
import { findApiTokenById, findLiveTokenByHash, insertApiToken, listApiTokenRows, revokeApiTokenRow, touchApiToken } from '../repositories/tokens.js';
import { findUserById } from '../repositories/users.js';
import type { ApiTokenScope, UserRow } from '../db/schema.js';
import type { Db } from '../db/connect.js';
import type { StaffUser } from './auth.js';
import { inTransaction } from '../db/transaction.js';
import { type Acting, auditBy } from './audit.js';
import { type Keyed, oncePerFormKey } from './formReceipts.js';
import type { ServiceContext } from './context.js';

/** Recognisable prefix, so secret scanners and people can tell a helpdesk token at a glance. */
const TOKEN_PREFIX = 'hd_';

export const DEFAULT_TOKEN_NAME = 'API token';

/** Tokens are random (256 bits), so a fast hash is enough: there is nothing to guess from it. */
function tokenHashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token as listed to admins: never the token itself. */
export interface ApiTokenInfo {
  id: number;
  userId: number;
  username: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** `api`, or `inbound`: it may only deliver mail (POST /api/v1/inbound/email). */
  scope: ApiTokenScope;
}

/**
 * Creates a token for an active staff account and returns it: the only time it is ever shown.
 * `name` (≤ 100 characters) says what it is for; empty gives "API token". Audited as `by`'s (an
 * admin's page passes its request's; null: the command line, a test's set-up), never with the token.
 */
export async function createApiToken(ctx: ServiceContext, userId: number, name: string = '', scope: ApiTokenScope = 'api', by: Acting = null): Promise<NewApiToken> {
  const { user, cleanName } = await tokenFor(ctx, userId, name);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, (trx) => makeApiToken(trx, user, cleanName, scope, by, now));
}

/** The same from the admin's form on a user's page: once per form key (a reload of the answer makes no second token). */
export async function createApiTokenFromForm(ctx: ServiceContext, userId: number, name: string, by: Acting, formKey: string | null): Promise<Keyed<NewApiToken>> {
  const { user, cleanName } = await tokenFor(ctx, userId, name);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, (trx) => oncePerFormKey(trx, formKey, 'token', now, () => makeApiToken(trx, user, cleanName, 'api', by, now)));
}

/** A token just made: its secret, shown this once. */
export interface NewApiToken {
  id: number;
  token: string;
  name: string;
}

/** The user a new token is for (active, or refused) and its name as stored. */
async function tokenFor(ctx: ServiceContext, userId: number, name: string): Promise<{ user: UserRow; cleanName: string }> {
  // eslint-disable-next-line no-control-regex
  const cleanName = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim() || DEFAULT_TOKEN_NAME;
  if (cleanName.length > 100) throw invalidInput({ name: 'What is it for? At most 100 characters.' });
  const user = await findUserById(ctx.handle.db, userId);
  if (!user) throw notFound('User');
  if (user.active !== 1) throw invalidInput({ username: 'Username: this account is deactivated.' });
  return { user, cleanName };
}

async function makeApiToken(trx: Db, user: UserRow, name: string, scope: ApiTokenScope, by: Acting, now: number): Promise<NewApiToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const inserted = await insertApiToken(trx, { user_id: user.id, name, token_hash: tokenHashOf(token), created_at: now, scope });
  await auditBy(trx, by, now, 'token.create', `token:${inserted.id}`, { after: { user_id: user.id, username: user.username, name, scope } });
  return { id: inserted.id, token, name };
}

/** Revokes a token at once, audited as `by`'s; returns false when it was already revoked. */
export async function revokeApiToken(ctx: ServiceContext, tokenId: number, by: Acting): Promise<boolean> {
  const now = ctx.clock.now();
  const revoked = await inTransaction(ctx.handle, async (trx) => {
    if (!(await revokeApiTokenRow(trx, tokenId, now))) return false;
    await auditBy(trx, by, now, 'token.revoke', `token:${tokenId}`, { before: { revoked: false }, after: { revoked: true } });
    return true;
  });
  if (revoked) {
    ctx.tokenCache?.forget();
    return true;
  }
  if (!(await findApiTokenById(ctx.handle.db, tokenId))) throw notFound('API token');
  return false;
}

/** Every token (or one user's), newest first, revoked ones included. */
export async function listApiTokens(ctx: ServiceContext, userId?: number): Promise<ApiTokenInfo[]> {
  const rows = await listApiTokenRows(ctx.handle.db, userId);
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    username: r.username,
    name: r.name,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    scope: r.scope,
  }));
}

/**
 * The staff member a bearer token belongs to, or null when the token is malformed, unknown,
 * revoked, or its account is deactivated. Records the use (at most every 30 s: core/idleLimits.ts).
 *
 * `remembered`: through the context's token memory, where there is one (services/tokenCache.ts),
 * for a route called many times a second with one token (the inbound mail route). What it answers
 * may be up to 2 s old (a presence, say), except a revocation or deactivation in this process,
 * which counts at once; the use is still recorded as often by the app's clock.
 */
export async function authenticateApiToken(ctx: ServiceContext, token: string, remembered = false): Promise<StaffUser | null> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) return null;
  const hash = tokenHashOf(token);
  const load = async () => {
    const found = await findLiveTokenByHash(ctx.handle.db, hash);
    return found && found.active === 1 ? found : null;
  };
  const row = remembered && ctx.tokenCache ? await ctx.tokenCache.get(hash, load) : await load();
  if (!row) return null;
  const now = ctx.clock.now();
  // Without API_PRESENCE_MINUTES (apps built without it) the longest interval: a long limit's.
  // Recorded often enough for auto-away too (core/idleLimits.ts recordingLimit).
  const recordFor = recordingLimit(ctx.apiPresenceMinutes ?? Number.POSITIVE_INFINITY, ctx.autoAwayMinutes);
  if (activityToRecord(row.last_used_at, now, recordFor)) {
    await touchApiToken(ctx.handle.db, row.token_id, now, now - touchEveryMs(recordFor));
    row.last_used_at = now;
  }
  return { id: row.id, username: row.username, displayName: row.display_name, role: row.role, presence: row.presence, tokenScope: row.scope };
}
