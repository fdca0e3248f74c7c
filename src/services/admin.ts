/**
 * What admins do to the team and to tickets (SPEC §1 admin rows, §3 R6). Each use case is one
 * routing transaction (withRouting), so it is serialised with every other routing decision and the
 * queue is settled (I3) before it commits.
 */
import { recordPresence } from '../repositories/presenceHistory.js';
import { changedParts } from '../core/audit.js';
import { adminsAreNoAgents, type Checked, checkedOf } from '../core/checked.js';
import { labelled, labelMessage } from '../core/fieldErrors.js';
import { type AgentLoad, bestAgent, capacityChanges } from '../core/routing.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { CHOOSE_CALENDAR, parseCapacity, MAX_CAPACITY, type Settings, SETTINGS_LABELS, settingsChanged } from '../core/settings.js';
import { referenceOf } from '../core/tickets.js';
import { deleteSessionsOf } from '../repositories/sessions.js';
import { retirePasswordResetsOf } from '../repositories/passwordResets.js';
import { revokeTokensOf } from '../repositories/tokens.js';
import { holdCalendar } from '../repositories/calendars.js';
import { saveSettings } from '../repositories/settings.js';
import { clockCalendarOf } from '../repositories/calendarVersions.js';
import { countOtherActiveAdmins, setUserActive, setUserCapacity } from '../repositories/adminUsers.js';
import { findTicketById, teamTicketOf } from '../repositories/tickets.js';
import { loadAgentLoads } from '../repositories/routingState.js';
import { findUserById, findUserByUsername } from '../repositories/users.js';
import { type Acting, actingId, auditRun } from './audit.js';
import type { ServiceContext } from './context.js';
import { resumePausedClocks } from './slaClocks.js';
import { firstTakeable, pullAndBalance, releaseTickets, type RoutingRun, updateAgent, withRouting, writeMove } from './routing.js';

function conflict(message: string): DomainError {
  return new DomainError('conflict', message);
}

/**
 * Saves new settings (the settings page, PATCH /api/v1/settings) and applies them to routing at
 * once: the agents' loads are re-read with the new default capacity, and the settle step of
 * withRouting routes waiting tickets to whoever now has room (R2), in the new queue order. `change`
 * turns the stored settings into the new ones, as a Checked whose field messages are labelled
 * (checkSettings, checkSettingsPatch); it runs inside the routing lock, so two admins changing
 * different settings at once both count. A calendar id that names no calendar is refused
 * (`calendar`) together with the change's own errors. SLA targets and the calendar only
 * affect clocks started from now on: a running clock keeps its due time (§4, §11). Turning
 * `pause_while_waiting` off starts the paused clocks again in the same transaction.
 */
export async function updateSettings(ctx: ServiceContext, by: Acting, change: (stored: Settings) => Settings | Checked<Settings>): Promise<Settings> {
  let recounted: AgentLoad[] = [];
  const saved = await withRouting(ctx, by, async (run) => {
    const { value: settings, fields: parsed } = checkedOf(change(run.settings));
    // Nothing changes (`PATCH {}`, the page saved as it was): nothing to write, nothing to audit.
    if (Object.keys(parsed).length === 0 && !settingsChanged(run.settings, settings)) return run.settings;
    // Audited before the calendar is checked: a refusal below rolls the entry back with the change.
    // The entry holds only the settings that change.
    await auditRun(run, 'settings.update', 'settings', changedParts(run.settings, settings) ?? {});
    const versionId = parsed.calendar !== undefined || settings.calendarId === null ? null : await holdCalendar(run.trx, settings.calendarId);
    // The calendar's refusal joins the change's own, in one answer. Those come labelled and named
    // as the caller names its fields (the page's or the API's); the calendar is `calendar` in both.
    if (versionId === undefined || Object.keys(parsed).length > 0) throw invalidInput(versionId === undefined ? { ...parsed, ...labelled({ calendar: CHOOSE_CALENDAR }, SETTINGS_LABELS) } : parsed);
    await saveSettings(run.trx, settings);
    // Paused clocks do not wait for a customer's message once the setting no longer pauses them;
    // the pages showing them hear it after the commit (run.changes: no webhook event is a `message`).
    if (run.settings.pauseWhileWaiting && !settings.pauseWhileWaiting) run.changes.push(...(await resumePausedClocks(ctx.handle, run.trx, run.now)));
    run.settings = settings;
    run.clock = await clockCalendarOf(ctx.handle, run.trx, versionId);
    const before = run.agents;
    run.agents = await loadAgentLoads(run.trx, settings.defaultCapacity);
    recounted = capacityChanges(before, run.agents);
    return settings;
  });
  tellCapacities(ctx, recounted);
  return saved;
}

/**
 * After the commit, tells the open pages of agents whose capacity in force changed: an agent's
 * dashboard shows it ("2 of 3 open"), and a change that moves no ticket sends no ticket event. They
 * hear it as a presence event carrying their presence as it is (the one kind of event about the
 * agent itself that pages hear), and refetch.
 */
function tellCapacities(ctx: ServiceContext, agents: readonly Pick<AgentLoad, 'id' | 'presence'>[]): void {
  for (const agent of agents) ctx.onPresence?.(agent.id, agent.presence);
}

/** The outcome of an admin's move, for the message shown to the admin. */
export interface MoveOutcome {
  /** False when nothing changed (the ticket was already where the admin asked). */
  changed: boolean;
  /** Who holds the ticket now; null when it waits in the queue. */
  agentId: number | null;
  agentName: string | null;
}

async function openTicket(run: RoutingRun, ticketId: number) {
  const ticket = await findTicketById(run.trx, ticketId);
  if (!ticket) throw notFound('Ticket');
  // I1: a closed ticket never changes agent again.
  if (ticket.status === 'closed') throw conflict(`${referenceOf(ticketId)} is closed; a closed ticket keeps its agent.`);
  return ticket;
}

/** Records in the run's loads that `agentId` lost one open ticket (no-op for the queue). */
function creditLoss(run: RoutingRun, agentId: number | null): void {
  const agent = agentId === null ? undefined : run.agents.find((a) => a.id === agentId);
  if (agent) updateAgent(run, agent.id, { openCount: agent.openCount - 1 });
}

function creditGain(run: RoutingRun, agentId: number): void {
  const agent = run.agents.find((a) => a.id === agentId);
  if (agent) updateAgent(run, agentId, { openCount: agent.openCount + 1, lastAssignedAt: run.now });
}

/**
 * R6: an admin gives an open ticket to any active agent, whatever its presence, even beyond its
 * capacity (as in Zendesk: the admin knows why). The move writes the same event and customer
 * email as an automatic one (`assigned` from the queue, `reassigned` from another agent), with the
 * admin as actor. The agent who lost the ticket now has room, so the settle step may route the
 * queue to it (R2); R3 balancing is deliberately not run, as it could take back the very ticket
 * the admin just placed.
 */
export async function reassignTicket(ctx: ServiceContext, by: Acting, ticketId: number, agentUsername: string): Promise<MoveOutcome> {
  return withRouting(ctx, by, async (run) => {
    const ticket = await openTicket(run, ticketId);
    const agent = agentUsername.trim() === '' ? undefined : await findUserByUsername(run.trx, agentUsername);
    // An admin exists, but takes no tickets: said as such (§12), not as if nobody had the name.
    if (agent?.role === 'admin') throw invalidInput({ agent: labelMessage('Reassign to', adminsAreNoAgents([agent.username])) }, 'Choose an active agent.');
    if (!agent || agent.role !== 'agent' || agent.active !== 1) throw invalidInput({ agent: labelMessage('Reassign to', 'Choose an active agent.') }, 'Choose an active agent.');
    if (ticket.agent_id === agent.id) return { changed: false, agentId: agent.id, agentName: agent.display_name };
    await writeMove(run, { ticketId, from: ticket.agent_id, to: agent.id }, 'admin');
    await auditRun(run, 'ticket.reassign', `ticket:${referenceOf(ticketId)}`, { before: { agent_id: ticket.agent_id }, after: { agent_id: agent.id, agent: agent.username } });
    creditLoss(run, ticket.agent_id);
    creditGain(run, agent.id);
    return { changed: true, agentId: agent.id, agentName: agent.display_name };
  });
}

/**
 * R6: an admin sends an open ticket back to the queue (`requeued` event, admin as actor; no
 * customer email, as for every requeue). It keeps its created_at and SLA deadline.
 *
 * I3 forbids a ticket to wait while an agent has room, so the ticket may not stay in the queue:
 * - if another agent that may take it (§12) has spare capacity, it goes at once to the best of them by R1's ranking
 *   (`assigned` event and email): the admin took it away from its holder, so the holder is passed
 *   over while anyone else has room;
 * - otherwise the settle step routes it by R1's ranking among everyone, which can hand it straight
 *   back to its former holder when that agent is available (it just gained a free slot); the admin
 *   is told, and can reassign it to a named agent instead;
 * - it waits in the queue only when nobody available has room (for instance its holder is away).
 */
export async function requeueTicket(ctx: ServiceContext, by: Acting, ticketId: number): Promise<MoveOutcome> {
  return withRouting(ctx, by, async (run) => {
    const ticket = await openTicket(run, ticketId);
    if (ticket.agent_id === null) return { changed: false, agentId: null, agentName: null };
    const formerHolder = ticket.agent_id;
    await writeMove(run, { ticketId, from: formerHolder, to: null }, 'admin');
    await auditRun(run, 'ticket.requeue', `ticket:${referenceOf(ticketId)}`, { before: { agent_id: formerHolder }, after: { agent_id: null } });
    creditLoss(run, formerHolder);
    // Only someone routing may give it to (§12: a member of its team holding its skills).
    const routed = teamTicketOf(ticket);
    const other = bestAgent(run.agents.filter((a) => a.id !== formerHolder), (a) => run.rule(a, routed));
    // Only when it heads the queue as that agent sees it (the waiting tickets it may take): a
    // requeued ticket never overtakes an older waiting one, but another team's ticket, or one
    // needing a skill the agent lacks, is not ahead of it (the global head sent it back to its
    // holder whenever such a ticket waited).
    if (other && (await firstTakeable(run, other.id)) === ticketId) {
      await writeMove(run, { ticketId, from: null, to: other.id }, 'admin');
      creditGain(run, other.id);
    }
    // withRouting's settle step (drainQueue) runs after this and may route the ticket again.
    return { changed: true, agentId: null, agentName: null };
  }).then(async (outcome) => (outcome.changed ? withCurrentHolder(ctx, ticketId) : outcome));
}

async function withCurrentHolder(ctx: ServiceContext, ticketId: number): Promise<MoveOutcome> {
  const ticket = await findTicketById(ctx.handle.db, ticketId);
  const agent = ticket?.agent_id == null ? undefined : await findUserById(ctx.handle.db, ticket.agent_id);
  return { changed: true, agentId: agent?.id ?? null, agentName: agent?.display_name ?? null };
}

/**
 * Deactivates a staff account. Rules (checked inside the routing lock, so two admins acting at
 * once cannot both pass them):
 * - the acting admin must itself still be an active admin;
 * - an admin cannot deactivate itself (it would lock itself out mid-action; another admin can);
 * - the last active admin can never be deactivated (someone must be able to run the desk). With the
 *   first two rules this only matters for concurrent requests, but it is the rule that counts.
 * Effects: the account can no longer log in, its sessions are deleted and its API tokens revoked
 * (they stay so after a reactivation, as its reset links stay void), it goes offline, and an
 * agent's open tickets go back to the queue and are routed again by R1's ranking to agents with
 * spare capacity — whatever the release_on_logout setting says (R5's release, with `reassigned` or
 * `requeued` events and emails as usual). Deactivating an inactive account changes nothing.
 * Returns whether this call deactivated it.
 */
export async function deactivateUser(ctx: ServiceContext, by: Acting, userId: number): Promise<boolean> {
  const adminId = actingId(by);
  const deactivated = await withRouting(ctx, by, async (run) => {
    const user = await findUserById(run.trx, userId);
    if (!user) throw notFound('User');
    const actor = adminId === null ? undefined : await findUserById(run.trx, adminId);
    if (!actor || actor.role !== 'admin' || actor.active !== 1) throw conflict('Only an active admin can deactivate accounts.');
    if (userId === adminId) throw conflict('You cannot deactivate your own account. Ask another admin.');
    if (user.active !== 1) return false;
    if (user.role === 'admin' && (await countOtherActiveAdmins(run.trx, userId)) === 0) throw conflict('This is the last active admin; it cannot be deactivated.');
    await setUserActive(run.trx, userId, false);
    await deleteSessionsOf(run.trx, userId);
    // Its unused reset links end too: one mailed before would otherwise set a password after a
    // reactivation within its half hour.
    await retirePasswordResetsOf(run.trx, userId, run.now);
    // And its API tokens, for the same reason: a reactivation must not bring back a script's (or a
    // leaked) token from before; new ones are made after it. The entry says how many.
    const revoked = await revokeTokensOf(run.trx, userId, run.now);
    await auditRun(run, 'user.deactivate', `user:${userId}`, { before: { active: true }, after: { active: false, ...(revoked > 0 ? { api_keys_revoked: revoked } : {}) } });
    if (run.agents.some((a) => a.id === userId)) {
      updateAgent(run, userId, { presence: 'offline' });
      await recordPresence(run.trx, userId, 'offline', run.now);
      await releaseTickets(run, userId);
      // Gone from routing for good: loads are re-read without it at the next transaction.
      run.agents = run.agents.filter((a) => a.id !== userId);
    }
    return true;
  });
  // Its tokens stop working now, also where they were remembered (services/tokenCache.ts).
  if (deactivated) ctx.tokenCache?.forget();
  return deactivated;
}

/** Lets a deactivated account log in again; it stays offline (no tickets) until it does. */
export async function reactivateUser(ctx: ServiceContext, by: Acting, userId: number): Promise<boolean> {
  return withRouting(ctx, by, async (run) => {
    const user = await findUserById(run.trx, userId);
    if (!user) throw notFound('User');
    if (user.active === 1) return false;
    await setUserActive(run.trx, userId, true);
    await auditRun(run, 'user.reactivate', `user:${userId}`, { before: { active: false }, after: { active: true } });
    return true;
  });
}

/**
 * Sets an agent's own capacity (`''` or null: back to the global default). Raising it is R2: the
 * agent pulls from the head of the queue at once (and R3 balances if it holds nothing and nothing
 * waits). Lowering it below the agent's current load takes no ticket away: the agent keeps them
 * and receives none until it is below its capacity again.
 */
export async function changeCapacity(ctx: ServiceContext, by: Acting, userId: number, raw: unknown): Promise<number | null> {
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  const capacity = text === '' ? null : parseCapacity(text);
  if (text !== '' && capacity === null) throw invalidInput({ capacity: labelMessage('Capacity', `Enter a whole number from 1 to ${MAX_CAPACITY}, or leave empty for the default.`) });
  // The agent whose capacity changed: its open pages hear of it (tellCapacities).
  const changed: Pick<AgentLoad, 'id' | 'presence'>[] = [];
  const saved = await withRouting(ctx, by, async (run) => {
    const user = await findUserById(run.trx, userId);
    if (!user) throw notFound('User');
    if (user.role !== 'agent') throw invalidInput({ capacity: labelMessage('Capacity', 'Only agents have a capacity.') }, 'Only agents have a capacity.');
    // Saving the capacity it has already changes nothing, and writes no audit entry (QA).
    if (user.capacity === capacity) return capacity;
    changed.push({ id: userId, presence: user.presence });
    await setUserCapacity(run.trx, userId, capacity);
    await auditRun(run, 'user.capacity', `user:${userId}`, { before: { capacity: user.capacity }, after: { capacity } });
    const before = run.agents.find((a) => a.id === userId)?.capacity;
    if (before !== undefined) {
      const after = capacity ?? run.settings.defaultCapacity;
      updateAgent(run, userId, { capacity: after });
      // R2 (then R3) only when the capacity in force rises: "given a higher capacity" (§3). A change
      // that leaves it where it was (its own 2 → the default 2) or lowers it is no trigger: R3 would
      // otherwise take a busy colleague's newest ticket for an idle agent whose room did not grow.
      if (after > before) await pullAndBalance(run, userId);
    }
    return capacity;
  });
  tellCapacities(ctx, changed);
  return saved;
}
