import type { Presence } from '../core/routing.js';
import { setPresence } from '../repositories/users.js';
import type { ServiceContext } from './context.js';
import { pullAndBalance, releaseTickets, type RoutingRun, updateAgent, withRouting } from './routing.js';

/**
 * Sets an agent's presence inside a routing run: becoming available pulls and balances (R2, R3);
 * going away or offline is R5 (tickets released when the setting says so). Admins have a presence
 * too but are never routed tickets.
 */
export async function applyPresence(run: RoutingRun, userId: number, presence: Presence): Promise<void> {
  await setPresence(run.trx, userId, presence);
  if (!run.agents.some((a) => a.id === userId)) return;
  updateAgent(run, userId, { presence });
  if (presence === 'available') await pullAndBalance(run, userId);
  else if (run.settings.releaseOnLogout) await releaseTickets(run, userId);
}

/** Login (available), `/agents/availability/` (available | away), logout (offline). */
export async function changePresence(ctx: ServiceContext, userId: number, presence: Presence): Promise<void> {
  await withRouting(ctx, userId, (run) => applyPresence(run, userId, presence));
  ctx.onPresence?.(userId, presence);
}
