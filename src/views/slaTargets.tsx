/**
 * The §11 targets of a ticket for staff: the first-response and next-reply clocks while they run,
 * and the warnings given. The resolution clock keeps its own badge (SlaBadge).
 */
import type { TicketRow } from '../db/schema.js';
import { DueTime, SlaBadge } from './components.js';

type Clocks = Pick<
  TicketRow,
  | 'status'
  | 'first_response_at'
  | 'first_response_due_at'
  | 'first_response_warned_at'
  | 'first_response_breached_at'
  | 'next_reply_due_at'
  | 'next_reply_warned_at'
  | 'next_reply_breached_at'
  | 'sla_warned_at'
  | 'sla_breached_at'
>;

/** A running §11 clock: its label, due instant, and whether its warning was given (and it has not breached). */
interface RunningTarget {
  label: string;
  due: number;
  warned: boolean;
}

/** The running §11 clocks of an open ticket. */
function runningTargets(ticket: Clocks): RunningTarget[] {
  if (ticket.status !== 'open') return [];
  const running: RunningTarget[] = [];
  if (ticket.first_response_at === null && ticket.first_response_due_at !== null) {
    running.push({ label: 'First response', due: ticket.first_response_due_at, warned: ticket.first_response_warned_at !== null && ticket.first_response_breached_at === null });
  }
  if (ticket.next_reply_due_at !== null) {
    running.push({ label: 'Next reply', due: ticket.next_reply_due_at, warned: ticket.next_reply_warned_at !== null && ticket.next_reply_breached_at === null });
  }
  return running;
}

/** The mark of a warning given (README, SLA: the dashboard marks the ticket, once per clock). */
function WarningFlag({ title }: { title: string }) {
  return (
    <>
      {' '}
      <span class="badge sla-soon sla-flag" title={title}>
        SLA warning
      </span>
    </>
  );
}

/** Rows of a `<dl>`: each running target with its countdown and due time. */
export function SlaTargetFacts({ ticket, now, seconds = false }: { ticket: Clocks; now: number; seconds?: boolean }) {
  return (
    <>
      {runningTargets(ticket).map(({ label, due }) => (
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
      {runningTargets(ticket).map(({ label, due, warned }) => (
        <>
          <br />
          <small data-sla-target={label}>
            {label}: <SlaBadge dueAt={due} now={now} paused={false} />
            {warned && <WarningFlag title={`Most of the time for the ${label.toLowerCase()} has passed.`} />}
          </small>
        </>
      ))}
      {ticket.sla_warned_at !== null && ticket.sla_breached_at === null && <WarningFlag title="Most of the time to resolve it has passed." />}
    </>
  );
}
