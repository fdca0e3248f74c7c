/**
 * The §11 targets of a ticket for staff: the first-response and next-reply clocks while they run,
 * and the warnings given. The resolution clock keeps its own badge (SlaBadge).
 */
import type { TicketRow } from '../db/schema.js';
import { DueTime, SlaBadge } from './components.js';

type Clocks = Pick<TicketRow, 'status' | 'first_response_at' | 'first_response_due_at' | 'first_response_breached_at' | 'next_reply_due_at' | 'next_reply_breached_at' | 'sla_warned_at' | 'sla_breached_at'>;

/** The running §11 clocks of an open ticket: [label, due instant]. */
function runningTargets(ticket: Clocks): [string, number][] {
  if (ticket.status !== 'open') return [];
  const running: [string, number][] = [];
  if (ticket.first_response_at === null && ticket.first_response_due_at !== null) running.push(['First response', ticket.first_response_due_at]);
  if (ticket.next_reply_due_at !== null) running.push(['Next reply', ticket.next_reply_due_at]);
  return running;
}

/** Rows of a `<dl>`: each running target with its countdown and due time. */
export function SlaTargetFacts({ ticket, now, seconds = false }: { ticket: Clocks; now: number; seconds?: boolean }) {
  return (
    <>
      {runningTargets(ticket).map(([label, due]) => (
        <>
          <dt>{label} due</dt>
          <dd data-sla-target={label}>
            {/* These clocks never pause: PAUSED_DUE_AT here is a target beyond the calendar's ten years. */}
            <SlaBadge dueAt={due} now={now} seconds={seconds} paused={false} />{' '}
            <small>
              (due <DueTime ms={due} seconds={seconds} paused={false} />)
            </small>
          </dd>
        </>
      ))}
    </>
  );
}

/** Small badges for a dashboard row: each running target, and the resolution warning once given. */
export function SlaTargetBadges({ ticket, now }: { ticket: Clocks; now: number }) {
  return (
    <>
      {runningTargets(ticket).map(([label, due]) => (
        <>
          <br />
          <small data-sla-target={label}>
            {label}: <SlaBadge dueAt={due} now={now} paused={false} />
          </small>
        </>
      ))}
      {ticket.sla_warned_at !== null && ticket.sla_breached_at === null && (
        <>
          {' '}
          <span class="badge sla-soon sla-flag" title="Most of the time to resolve it has passed.">
            SLA warning
          </span>
        </>
      )}
    </>
  );
}
