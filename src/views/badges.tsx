/**
 * What a ticket's state reads as on every page: its priority, state, SLA countdown, whose turn it
 * is, and instants. Words beside colour, always. (Re-exported by components.tsx.)
 */
import { NO_DUE_TIME, PAUSED_DUE_AT } from '../core/slaClocks.js';
import { humanSpan } from '../core/sla.js';
import type { TicketState } from '../core/tickets.js';
import { isoUtc, shortUtc } from './format.js';

/** The priority in colour, shape and words ("High", read as "High priority"). */
export function PriorityBadge({ priority }: { priority: 'high' | 'medium' | 'low' }) {
  return (
    <span class={`badge priority-${priority}`} data-priority={priority}>
      {priority[0]!.toUpperCase() + priority.slice(1)}
      <span class="visually-hidden"> priority</span>
    </span>
  );
}

const STATE_LABELS: Record<TicketState, string> = { pending: 'Waiting for an agent', open: 'Assigned', closed: 'Closed' };

export function StateBadge({ state }: { state: TicketState }) {
  return <span class={`badge state-${state}`}>{STATE_LABELS[state]}</span>;
}

/**
 * Time left before the SLA deadline, or how long overdue; `data-due` lets the browser script count
 * down live. Closed tickets show whether they met the deadline.
 */
export function SlaBadge({ dueAt, closedAt, now, seconds = false, paused = true }: { dueAt: number; closedAt?: number | null; now: number; seconds?: boolean; paused?: boolean }) {
  if (closedAt == null && dueAt >= PAUSED_DUE_AT && !paused) {
    return (
      <span class="badge sla-paused" title={`Due: ${NO_DUE_TIME}.`}>
        No due time
      </span>
    );
  }
  if (closedAt == null && dueAt >= PAUSED_DUE_AT) {
    return (
      <span class="badge sla-paused" title="The SLA clock stops while the ticket waits on the customer and starts again with their message.">
        SLA paused
      </span>
    );
  }
  if (closedAt != null) {
    const met = closedAt <= dueAt;
    return <span class={`badge ${met ? 'sla-ok' : 'sla-breached'}`}>{met ? 'SLA met' : 'SLA missed'}</span>;
  }
  const left = dueAt - now;
  const cls = left < 0 ? 'sla-breached' : left < 60_000 ? 'sla-soon' : 'sla-ok';
  return (
    <span class={`badge countdown ${cls}`} data-due={dueAt} title={`Due ${shortUtc(dueAt, seconds)}`}>
      {left < 0 ? `Overdue by ${humanSpan(left)}` : `${humanSpan(left)} left`}
    </span>
  );
}

/**
 * A due instant, or "paused" for a paused SLA clock (§11: its due instant is not known until it
 * starts again). `paused` false: PAUSED_DUE_AT is a target its calendar cannot hold within ten years.
 */
export function DueTime({ ms, seconds = false, paused = true }: { ms: number; seconds?: boolean; paused?: boolean }) {
  if (ms < PAUSED_DUE_AT) return <Time ms={ms} seconds={seconds} />;
  return <span>{paused ? 'paused while waiting on the customer' : NO_DUE_TIME}</span>;
}

/** An instant in UTC, to the minute, or to the second where the SLA is short (core/sla.ts showsSeconds). */
export function Time({ ms, seconds = false }: { ms: number; seconds?: boolean }) {
  return (
    <time datetime={isoUtc(ms)} data-seconds={seconds ? 'true' : undefined}>
      {shortUtc(ms, seconds)}
    </time>
  );
}

/**
 * Whose turn it is on an open ticket (§9), in words, not colour alone. `mine`: the viewer holds the
 * ticket, so "waiting on the agent" reads "Your turn". Closed tickets wait on nobody: nothing shown.
 */
export function WaitingOnBadge({ waitingOn, mine = false }: { waitingOn: 'agent' | 'customer' | null; mine?: boolean }) {
  if (waitingOn === null) return null;
  const text = waitingOn === 'customer' ? 'Waiting on the customer' : mine ? 'Your turn: waiting on you' : 'Waiting on the agent';
  return (
    <span class={`badge waiting-${waitingOn}`} data-waiting-on={waitingOn}>
      {text}
    </span>
  );
}
