import type { Presence } from '../core/routing.js';
import type { TicketChangeType } from '../core/tickets.js';
import type { DbHandle } from '../db/connect.js';
import type { TokenCache } from './tokenCache.js';
import type { TopicNames } from './topicNames.js';

/** Where time comes from; tests pass a clock they move by hand. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A change that pages showing tickets may want to hear about (live updates). */
export interface TicketChange {
  ticketId: number;
  /** `message`: a message was added to the thread (§9); from and to are the ticket's agent. */
  type: TicketChangeType;
  fromAgentId: number | null;
  toAgentId: number | null;
}

/**
 * The live change of a ticket's thread or clocks moving without a move of the ticket: a message
 * added, or its paused clock started again (as a customer's message would start it); the ticket's
 * agent (and admins, and its watchers) hear it and refetch. No webhook event carries it.
 */
export function messageChange(ticket: { id: number; agent_id: number | null }): TicketChange {
  return { ticketId: ticket.id, type: 'message', fromAgentId: ticket.agent_id, toAgentId: ticket.agent_id };
}

/** What every use case needs, passed in (no module-level singletons). */
export interface ServiceContext {
  handle: DbHandle;
  clock: Clock;
  /** Base of the status links in emails. */
  publicUrl: string;
  /** Called after a commit with what changed; the live-update hub listens here. */
  onChanges?: (changes: TicketChange[]) => void;
  /** Called after a commit that set an agent's presence; live pages listen here. */
  onPresence?: (agentId: number, presence: Presence) => void;
  /** API_PRESENCE_MINUTES: how long an API call keeps its agent present; unset: the session limit. */
  apiPresenceMinutes?: number;
  /** SESSION_MAX_HOURS: a session ends that long after its sign-in, even in use; unset: 12 (core/idleLimits.ts). */
  sessionMaxHours?: number;
  /** AUTO_AWAY_MINUTES (0 or unset: off): page views and API calls are recorded often enough for it too. */
  autoAwayMinutes?: number;
  /** The server's short memory of token authentications (the inbound mail route); revocations clear it. */
  tokenCache?: TokenCache;
  /** The server's short memory of topic names (intake); saving or deleting a topic clears it. */
  topicNames?: TopicNames;
  /**
   * MAIL_MAX_MESSAGE_MB in bytes: the largest email the mail server takes when it advertises no
   * SIZE of its own (core/mailSize.ts); unset: the default 10 MB.
   */
  mailMaxMessageBytes?: number;
}
