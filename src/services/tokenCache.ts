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

export const TOKEN_CACHE_TTL_MS = 2_000;

/** Beyond this many tokens remembered, the memory starts again (a handful of tokens is normal). */
const MAX_ENTRIES = 1_000;

export class TokenCache {
  private readonly entries = new Map<string, { token: LiveToken; until: number }>();
  private generation = 0;

  /** The clock is real time by default, not the app's (a test's hand-moved clock would keep entries for ever). */
  constructor(
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
    private readonly clock: Clock = { now: () => performance.now() },
  ) {}

  /**
   * The live token of a hash: remembered if fresh, else `load`ed (and remembered when no forget()
   * came meanwhile). Only live tokens are remembered: a refusal is always asked again. The object
   * is the one remembered (authentication notes a recorded use on it).
   */
  async get(tokenHash: string, load: () => Promise<LiveToken | null>): Promise<LiveToken | null> {
    const now = this.clock.now();
    const entry = this.entries.get(tokenHash);
    if (entry && entry.until > now) return entry.token;
    const generation = this.generation;
    const token = await load();
    if (token && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(tokenHash, { token, until: now + this.ttlMs });
    }
    return token;
  }

  /** Forgets everything, and whatever is being loaded now (a token was revoked, an account deactivated). */
  forget(): void {
    this.generation++;
    this.entries.clear();
  }
}
