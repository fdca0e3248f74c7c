/**
 * A ticket event in staff words (the admin events list and a ticket's timeline): what happened and
 * the move it made. Pure.
 */
import type { SlaMetric } from './slaClocks.js';
import type { TicketEventType } from './tickets.js';

export const EVENT_LABELS: Record<TicketEventType, string> = {
  created: 'Created',
  assigned: 'Assigned',
  reassigned: 'Reassigned',
  requeued: 'Back to the queue',
  closed: 'Closed',
  sla_breached: 'SLA breached',
};

const METRIC_WORDS: Record<SlaMetric, string> = { resolution: 'resolution', first_response: 'first response', next_reply: 'next reply' };

/**
 * What happened: the type's label, and for a breach which target ran out ("SLA breached (first
 * response)"); a breach recorded before targets had names (no metric) was the resolution target.
 */
export function eventLabel(event: { type: TicketEventType; metric?: SlaMetric | null }): string {
  if (event.type === 'sla_breached') return `${EVENT_LABELS.sla_breached} (${METRIC_WORDS[event.metric ?? 'resolution']})`;
  return EVENT_LABELS[event.type];
}

/**
 * The move an event made between agents, "alice → bob", "→ alice" (from the queue), "alice →"
 * (back to the queue); empty when it moved nothing. A breach records the holder on both sides
 * (who held the ticket when it ran out) but moves nothing: no move shown.
 */
export function eventMove(event: { type: TicketEventType; from: string | null; to: string | null }): string {
  const { type, from, to } = event;
  if (type === 'sla_breached') return '';
  if (from && to) return `${from} → ${to}`;
  if (to) return `→ ${to}`;
  if (from) return `${from} →`;
  return '';
}
