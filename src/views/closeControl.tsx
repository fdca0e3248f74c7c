/**
 * Close, with its undo window (src/core/pendingClose.ts), as the agent dashboard's rows and the staff
 * ticket page show it: a secondary button (never the page's primary action, never full width on a
 * phone: `.close-control` in app.css), or, while a close is pending, "Closing HD-2 in 10 s" and an
 * Undo button. app.js counts `[data-close-due]` down every second; without JavaScript the number is
 * the one of the render, and the page still offers Undo until the close commits. Both forms carry
 * `data-close-control` (the reference): after Close or Undo, app.js puts the keyboard focus on the
 * button the page now shows there (the flash's `data-flash-control` names the ticket).
 */
import { pendingCloseOf, secondsLeft, type TicketForClose } from '../core/pendingClose.js';
import { referenceOf } from '../core/tickets.js';
import { CsrfField } from './components.js';

export interface CloseControlProps {
  ticket: TicketForClose & { id: number };
  csrf: string;
  now: number;
  /** Where to come back to after Close or Undo (a local path; the dashboard when absent). */
  back?: string;
}

function BackField({ back }: { back: string | undefined }) {
  return back ? <input type="hidden" name="next" value={back} /> : null;
}

export function CloseControl({ ticket, csrf, now, back }: CloseControlProps) {
  const reference = referenceOf(ticket.id);
  const pending = pendingCloseOf(ticket);
  if (!pending) {
    return (
      <form method="post" action={`/agents/tickets/${ticket.id}/close/`} class="close-control" data-close-control={reference}>
        <CsrfField token={csrf} />
        <BackField back={back} />
        <button type="submit" class="secondary outline small">
          Close<span class="visually-hidden"> {reference}</span>
        </button>
      </form>
    );
  }
  return (
    <form method="post" action={`/agents/tickets/${ticket.id}/close/undo/`} class="close-control pending-close" data-close-control={reference} data-close-pending={reference}>
      <CsrfField token={csrf} />
      <BackField back={back} />
      <span>
        Closing {reference} in{' '}
        <span class="close-countdown" data-close-due={pending.dueAt}>
          {secondsLeft(pending.dueAt, now)} s
        </span>
      </span>{' '}
      <button type="submit" class="small">
        Undo<span class="visually-hidden"> closing {reference}</span>
      </button>
    </form>
  );
}
