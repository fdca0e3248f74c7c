/**
 * The email figures beside the §6 dashboard: the outbox as it stands (what waits, what failed, what
 * bounced) and the mail received in the last 24 hours by result (§10). They are not figures of the
 * dashboard's window (tickets created in it): the outbox is counted now, the inbound log over a
 * fixed day. Two statements, each on an index (outboxBacklog, countInboundSince).
 */
import type { DbHandle } from '../db/connect.js';
import { countInboundSince, INBOUND_LOG_RESULTS, type InboundLogResult } from '../repositories/inboundLog.js';
import { outboxBacklog } from '../repositories/outbox.js';

export const INBOUND_FIGURES_MS = 86_400_000;

export interface MailStats {
  outbox: { pending: number; sending: number; failed: number; bounced: number };
  /** Mails received in the last 24 hours, by result (every result, 0 when none), and in all. */
  inbound_24h: Record<InboundLogResult, number> & { total: number };
}

export async function computeMailStats(handle: DbHandle, now: number): Promise<MailStats> {
  const [backlog, received] = await Promise.all([outboxBacklog(handle, now), countInboundSince(handle, now - INBOUND_FIGURES_MS)]);
  const byResult = Object.fromEntries(INBOUND_LOG_RESULTS.map((r) => [r, received[r] ?? 0])) as Record<InboundLogResult, number>;
  return {
    outbox: { pending: backlog.pending, sending: backlog.sending, failed: backlog.failed, bounced: backlog.bounced },
    inbound_24h: { ...byResult, total: Object.values(byResult).reduce((a, b) => a + b, 0) },
  };
}
