/**
 * A short memory of token authentications, for the one route that is called many times a second
 * with the same token: POST /api/v1/inbound/email (a mail server's script, the IMAP-less intake).
 * Without it every mail paid a database read for its token, which the form's CSRF check does not.
 *
 * An entry lives `ttlMs` (2 s). Revoking a token or deactivating an account in this process clears
 * the whole memory at once (services call `forget()` after their commit), and an authentication
 * that was already on its way to the database when that happened is not remembered (the
 * generation check): so a revoked token is refused by the very next request. In another process
 * (another server sharing the database), a revocation takes effect within `ttlMs`.
 */
import type { LiveToken } from '../repositories/tokens.js';
import type { Clock } from './context.js';
import { ShortMemory } from './shortMemory.js';

export const TOKEN_CACHE_TTL_MS = 2_000;

export class TokenCache {
  private readonly memory: ShortMemory<string, LiveToken | null>;

  /** The clock is real time by default, not the app's (a test's hand-moved clock would keep entries for ever). */
  constructor(ttlMs = TOKEN_CACHE_TTL_MS, clock?: Clock) {
    // Only live tokens are kept: a refusal is always asked again. Beyond 1,000 tokens (a handful is
    // normal) the memory starts again.
    this.memory = new ShortMemory({ ttlMs, clock, maxEntries: 1_000, keep: (token) => token !== null });
  }

  /**
   * The live token of a hash: remembered if fresh, else `load`ed (requests with the same token at
   * the same moment share one load; kept when no forget() came meanwhile). The object is the one
   * remembered (authentication notes a recorded use on it).
   */
  get(tokenHash: string, load: () => Promise<LiveToken | null>): Promise<LiveToken | null> {
    return this.memory.get(tokenHash, load);
  }

  /** Forgets everything, and whatever is being loaded now (a token was revoked, an account deactivated). */
  forget(): void {
    this.memory.forget();
  }
}
