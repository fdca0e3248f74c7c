import { describe, expect, it } from 'vitest';
import { eventLabel, eventMove } from '../../src/core/eventText.js';
import type { SlaMetric } from '../../src/core/slaClocks.js';
import type { TicketEventType } from '../../src/core/tickets.js';

describe('eventLabel', () => {
  it.each<[TicketEventType, SlaMetric | null, string]>([
    ['created', null, 'Created'],
    ['assigned', null, 'Assigned'],
    ['reassigned', null, 'Reassigned'],
    ['requeued', null, 'Back to the queue'],
    ['closed', null, 'Closed'],
    ['sla_breached', 'first_response', 'SLA breached (first response)'],
    ['sla_breached', 'next_reply', 'SLA breached (next reply)'],
    ['sla_breached', 'resolution', 'SLA breached (resolution)'],
    ['sla_breached', null, 'SLA breached (resolution)'],
  ])('%s (%s) reads “%s”', (type, metric, text) => {
    expect(eventLabel({ type, metric })).toBe(text);
  });
});

describe('eventMove', () => {
  it.each<[string, TicketEventType, string | null, string | null, string]>([
    ['from one agent to another', 'reassigned', 'alice', 'bob', 'alice → bob'],
    ['from the queue', 'assigned', null, 'alice', '→ alice'],
    ['back to the queue', 'requeued', 'alice', null, 'alice →'],
    ['nobody on either side', 'created', null, null, ''],
    ['a breach records its holder on both sides but moves nothing', 'sla_breached', 'alice', 'alice', ''],
    ['a breach of a waiting ticket', 'sla_breached', null, null, ''],
  ])('%s', (_case, type, from, to, text) => {
    expect(eventMove({ type, from, to })).toBe(text);
  });
});
