import { CopiedFact } from './copied.js';
import type { TicketCcRow } from '../db/schemaCcs.js';
import { NEW_TICKET_LABELS, referenceOf, stateOf } from '../core/tickets.js';
import { openFollowUp } from '../core/conversation.js';
import { isUnattendedMailbox } from '../core/mailboxes.js';
import type { TicketRow } from '../db/schema.js';
import type { TimelineEntry } from '../repositories/events.js';
import { PAUSED_DUE_AT } from '../core/slaClocks.js';
import { LATE_TARGET, ticketShowsSeconds } from '../core/sla.js';
import { AttachmentsField, CsrfField, ErrorSummary, type FormErrors, FormKeyField, FormNotice, type FormValues, PriorityBadge, SelectField, StateBadge, TextArea, TextField, Time } from './components.js';
import { CustomerReplyForm, FollowsUp, FollowUpList, PublicThread, type ThreadView, waitingInWords } from './customerThread.js';
import { type Flash, Layout } from './layout.js';
import { customerStatusPath } from '../http/links.js';

/**
 * The priorities in the customer's words: how urgent it is, never a time. The targets are the
 * desk's settings (and may count business hours), so a promise here would go stale the day an
 * admin changes them (QA: "within a few minutes" under an 8-hour target); the confirmation page
 * tells the real time this request is due.
 */
export const PRIORITY_OPTIONS: [string, string][] = [
  ['low', 'Low — a question, or it can wait'],
  ['medium', 'Medium — it gets in the way of my work'],
  ['high', 'High — urgent, something is broken'],
];

const FIELD_LABELS = NEW_TICKET_LABELS;

/**
 * The customer form. `topics` (§12): the topic choice is shown only when there is more than one
 * (with one, every ticket gets it and there is nothing to ask); the first is preselected. A form
 * refused for its topic (loaded while another was offered, sent after it was hidden or deleted)
 * shows the choice whatever the count, so the message stands by a field the customer can answer.
 */
export function TicketCreatePage({ values, errors, csrf, formKey, topics = [], notice = null }: { values: FormValues; errors: FormErrors; csrf: string; formKey: string; topics?: readonly { id: number; name: string }[]; notice?: string | null }) {
  const failed = Object.keys(errors).length > 0 || notice !== null;
  return (
    <Layout title={failed ? 'Check your request' : 'New request'}>
      <hgroup>
        <h1>How can we help?</h1>
        <p>Tell us what happened. An agent takes your request as soon as one is free, and we email you at every step. All fields are required except attachments.</p>
      </hgroup>
      <FormNotice id="form-notice" message={notice} />
      <ErrorSummary errors={errors} />
      <form method="post" action="/tickets/create/" enctype="multipart/form-data" novalidate>
        <CsrfField token={csrf} />
        {/* Sent twice (a double click, Back and Send), one form makes one request (services/intake.ts). */}
        <FormKeyField value={formKey} />
        <div class="grid">
          <TextField name="name" label={FIELD_LABELS.name} values={values} errors={errors} required maxLength={100} autocomplete="name" />
          <TextField name="email" label={FIELD_LABELS.email} type="email" values={values} errors={errors} required maxLength={254} autocomplete="email" />
        </div>
        <TextField name="title" label={FIELD_LABELS.title} values={values} errors={errors} required maxLength={200} />
        <TextArea name="description" label={FIELD_LABELS.description} values={values} errors={errors} required maxLength={10_000} hint="What you expected, what happened instead, and anything you already tried." />
        {(topics.length > 1 || (errors.topic !== undefined && topics.length > 0)) && (
          <SelectField name="topic" label={FIELD_LABELS.topic} values={{ topic: String(topics[0]!.id), ...values }} errors={errors} options={topics.map((t) => [String(t.id), t.name])} />
        )}
        <SelectField name="priority" label={FIELD_LABELS.priority} values={{ priority: 'medium', ...values }} errors={errors} options={PRIORITY_OPTIONS} />
        <AttachmentsField errors={errors} label="Screenshots or files (optional)" cameBack={notice !== null} />
        <button type="submit">Send request</button>
      </form>
    </Layout>
  );
}

/**
 * The resolution target in the customer's words (issue 23): when we aim to have it resolved, and,
 * once that has passed on an open request, that it is late — never "SLA", "due" or "overdue".
 */
function ResolveByFact({ ticket, now }: { ticket: TicketRow; now: number }) {
  if (ticket.closed_at !== null) {
    return (
      <>
        <dt>Closed</dt>
        <dd>
          <Time ms={ticket.closed_at} seconds={ticketShowsSeconds(ticket)} />
        </dd>
      </>
    );
  }
  const paused = ticket.sla_due_at >= PAUSED_DUE_AT;
  // Not paused, yet no due instant: its calendar holds none within ten years; nothing to promise.
  if (paused && ticket.sla_paused_at === null) return null;
  return (
    <>
      <dt>We aim to resolve it by</dt>
      <dd class="resolve-by">
        {paused ? 'paused while we wait for your answer' : <Time ms={ticket.sla_due_at} seconds={ticketShowsSeconds(ticket)} />}
        {!paused && ticket.sla_due_at < now && ` — ${LATE_TARGET}`}
      </dd>
    </>
  );
}

/** On an open request past its target, a badge saying it is late (in words, not only colour). */
function LateBadge({ ticket, now }: { ticket: TicketRow; now: number }) {
  if (ticket.closed_at !== null || ticket.sla_due_at >= PAUSED_DUE_AT || ticket.sla_due_at >= now) return null;
  return <span class="badge sla-breached">Taking longer than planned</span>;
}

/**
 * Why nobody has it yet, told truthfully: nobody in, or everyone busy; and how the customer hears
 * that someone took it: by email, except at a mailbox nobody reads, where the automatic assigned
 * email never goes (SPEC §5), so only the status link tells.
 */
function waitingReason(teamIn: boolean, unattended: boolean): string {
  const told = unattended ? 'the link below shows when someone takes it' : 'we email you as soon as someone takes it';
  return teamIn ? `Everyone on our team is busy with other requests right now. Yours is in the queue, and ${told}.` : `Nobody from our team is online right now. Your request is in the queue, and ${told}.`;
}

export function TicketSuccessPage({ ticket, agentName, teamIn, now }: { ticket: TicketRow; agentName: string | null; teamIn: boolean; now: number }) {
  const reference = referenceOf(ticket.id);
  // Reopened later (a bookmark, the back button) after it was closed: said so, as on the status page.
  const closed = ticket.status === 'closed';
  return (
    <Layout title={`Request ${reference} received`}>
      <article>
        <header>
          <hgroup>
            <h1>Thank you — we have your request</h1>
            <p>
              {closed ? 'This request is closed. The link below shows what was written.' : agentName ? (
                <>
                  <bdi>{agentName}</bdi> is looking at it now.
                </>
              ) : (
                waitingReason(teamIn, isUnattendedMailbox(ticket.customer_email))
              )}
            </p>
          </hgroup>
        </header>
        <dl class="facts">
          <dt>Reference</dt>
          <dd>
            <strong class="reference">{reference}</strong>
          </dd>
          <dt>Priority</dt>
          <dd>
            <PriorityBadge priority={ticket.priority} />
          </dd>
          <ResolveByFact ticket={ticket} now={now} />
          <dt>Agent</dt>
          <dd class="agent-name">{agentName !== null ? <bdi>{agentName}</bdi> : closed ? '—' : 'Waiting for the next free agent'}</dd>
        </dl>
        <p>
          {isUnattendedMailbox(ticket.customer_email)
            ? // Automatic emails never go there (SPEC §5): the page must not promise one.
              `We send no confirmation and no automatic updates to ${ticket.customer_email}: it looks like a mailbox nobody reads. Keep the link below to follow your request.`
            : `We sent a confirmation to ${ticket.customer_email}. Keep the reference: the link in that email shows where your request stands at any time.`}
        </p>
        <footer>
          <a href={customerStatusPath(ticket.token)} class="button">
            Follow request {reference}
          </a>
        </footer>
      </article>
    </Layout>
  );
}

function unit(count: number, singular: string): string {
  return `${count} ${singular}${count === 1 ? '' : 's'}`;
}

/**
 * A span of time as a customer would say it: `45 seconds`, `2 minutes`, `1 hour and 5 minutes`,
 * `3 days`. Minutes and hours are rounded to the nearest whole one.
 */
export function spanInWords(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 60) return unit(seconds, 'second');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? unit(hours, 'hour') : `${unit(hours, 'hour')} and ${unit(rest, 'minute')}`;
  return unit(Math.round(hours / 24), 'day');
}

/** A piece of a timeline entry: its words, or a person's name (isolated on the page, `<bdi>`). */
export type TimelinePart = string | { name: string };

/**
 * A timeline entry in the customer's words: "Assigned to Alice 2 minutes after you wrote". What
 * happens within a second of writing happened "right away".
 */
export function describeForCustomer(entry: TimelineEntry, createdAt: number): string {
  return customerTimelineParts(entry, createdAt)
    .map((part) => (typeof part === 'string' ? part : part.name))
    .join('');
}

/** describeForCustomer's sentence in parts, the names apart, so that a right-to-left name cannot reorder the words around it. */
export function customerTimelineParts(entry: TimelineEntry, createdAt: number): TimelinePart[] {
  const after = entry.at - createdAt < 1000 ? 'right away' : `${spanInWords(entry.at - createdAt)} after you wrote`;
  const person = (name: string | null | undefined, otherwise: string): TimelinePart => (name ? { name } : otherwise);
  switch (entry.type) {
    case 'created':
      return entry.to_name ? ['You wrote to us, and ', { name: entry.to_name }, ' took your request right away'] : ['You wrote to us, and your request joined the queue for the next free agent'];
    case 'assigned':
      return ['Assigned to ', person(entry.to_name, 'an agent'), ` ${after}`];
    case 'reassigned':
      return ['Moved to ', person(entry.to_name, 'another agent'), ` ${after}`];
    case 'requeued':
      return [`Back in the queue for the next free agent ${after}`];
    case 'closed':
      return ['Closed by ', person(entry.actor_name ?? entry.from_name, 'our team'), ` ${after}`];
    case 'sla_breached':
      if (entry.metric === 'first_response') return [`Our first answer is late: the time we promised ran out ${after}`];
      if (entry.metric === 'next_reply') return [`Our answer to your latest message is late: the time we promised ran out ${after}`];
      return [`Our answer is late: the time we promised ran out ${after}`];
  }
}

/** What the status page shows besides the ticket: its thread, follow-ups, and the reply form's state. */
export interface StatusPageProps {
  ticket: TicketRow;
  agentName: string | null;
  timeline: TimelineEntry[];
  now: number;
  thread: ThreadView;
  /** The closed ticket this one follows up, if any. */
  original: TicketRow | null;
  followUps: TicketRow[];
  /** The people the customer copied on their mail (§10 Cc): they get our replies too. */
  copied: readonly TicketCcRow[];
  csrf: string;
  /** The reply form's one-time key: the same message sent twice is posted once. */
  formKey: string;
  flash?: Flash | null;
  /** The reply form as sent when it came back with errors, or with `notice` (an expired form). */
  values?: FormValues;
  errors?: FormErrors;
  notice?: string | null;
  /** The newest public message's id: a new message changes data-version, so the page refreshes. */
  newestMessageId: number | null;
}

export function TicketStatusPage({ ticket, agentName, timeline, now, thread, original, followUps, copied, csrf, formKey, flash = null, values = {}, errors = {}, notice = null, newestMessageId }: StatusPageProps) {
  const reference = referenceOf(ticket.id);
  const state = stateOf({ status: ticket.status, agentId: ticket.agent_id });
  const waiting = waitingInWords(ticket.waiting_on);
  const failed = Object.keys(errors).length > 0 || notice !== null;
  const version = `${ticket.status}/${ticket.agent_id ?? ''}/${timeline.length}/${ticket.waiting_on ?? ''}/${newestMessageId ?? ''}`;
  return (
    <Layout title={failed ? `Check your message · ${reference}` : `Request ${reference}`} flash={flash} scripts={ticket.status === 'closed' ? [] : ['ticket-status.js']}>
      {/* ticket-status.js refreshes the data-live parts while the request is open (closed is final),
          from the page's own address: after a refused message the window shows the form's. */}
      <article data-ticket-status={ticket.status} data-version={version} data-refresh={customerStatusPath(ticket.token)}>
        <header>
          <hgroup>
            <h1>
              <span class="reference">{reference}</span> <bdi>{ticket.title}</bdi>
            </h1>
            <p class="badges" data-live="badges">
              <StateBadge state={state} /> <PriorityBadge priority={ticket.priority} /> <LateBadge ticket={ticket} now={now} />
            </p>
          </hgroup>
        </header>
        {original && <FollowsUp original={original} />}
        <div data-live="waiting-on">
          {waiting && (
            <p class="waiting-on" data-waiting-on={ticket.waiting_on}>
              {waiting}
            </p>
          )}
        </div>
        <dl class="facts" data-live="facts">
          <dt>Agent</dt>
          <dd class="agent-name">{agentName !== null ? <bdi>{agentName}</bdi> : state === 'pending' ? 'Waiting for the next free agent' : '—'}</dd>
          <dt>Submitted</dt>
          <dd>
            <Time ms={ticket.created_at} seconds={ticketShowsSeconds(ticket)} />
          </dd>
          <ResolveByFact ticket={ticket} now={now} />
          <CopiedFact copied={copied} />
        </dl>
        <FollowUpList followUps={followUps} />
        <h2>Conversation</h2>
        <PublicThread token={ticket.token} thread={thread} />
        <CustomerReplyForm ticket={ticket} openFollowUp={openFollowUp(followUps)} values={values} errors={errors} notice={notice} csrf={csrf} formKey={formKey} />
        <h2>What happened so far</h2>
        <ol class="timeline" data-live="timeline">
          {timeline.map((entry) => (
            <li data-event={entry.type}>
              <span class="what">{customerTimelineParts(entry, ticket.created_at).map((part) => (typeof part === 'string' ? part : <bdi>{part.name}</bdi>))}.</span>
              <span class="when">
                <Time ms={entry.at} seconds={ticketShowsSeconds(ticket)} />
              </span>
            </li>
          ))}
        </ol>
        <p class="visually-hidden" role="status" id="status-news"></p>
      </article>
    </Layout>
  );
}
