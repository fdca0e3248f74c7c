import { humanSpan } from '../core/sla.js';
import { referenceOf, stateOf } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import type { TimelineEntry } from '../repositories/events.js';
import { CsrfField, ErrorSummary, type FormErrors, type FormValues, PriorityBadge, SelectField, SlaBadge, StateBadge, TextArea, TextField, Time } from './components.js';
import { Layout } from './layout.js';

export const PRIORITY_OPTIONS: [string, string][] = [
  ['low', 'Low — answer within the hour is fine'],
  ['medium', 'Medium — within a few minutes'],
  ['high', 'High — urgent, something is broken'],
];

export function TicketCreatePage({ values, errors, csrf }: { values: FormValues; errors: FormErrors; csrf: string }) {
  return (
    <Layout title="New request">
      <hgroup>
        <h1>How can we help?</h1>
        <p>Tell us what happened. An agent takes your request as soon as one is free, and we email you at every step.</p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <form method="post" action="/tickets/create/" novalidate>
        <CsrfField token={csrf} />
        <div class="grid">
          <TextField name="name" label="Your name" values={values} errors={errors} required maxLength={100} autocomplete="name" />
          <TextField name="email" label="Your email" type="email" values={values} errors={errors} required maxLength={254} autocomplete="email" />
        </div>
        <TextField name="title" label="Subject" values={values} errors={errors} required maxLength={200} />
        <TextArea name="description" label="Description" values={values} errors={errors} required maxLength={10_000} hint="What you expected, what happened instead, and anything you already tried." />
        <SelectField name="priority" label="Priority" values={{ priority: 'medium', ...values }} errors={errors} options={PRIORITY_OPTIONS} />
        <button type="submit">Send request</button>
      </form>
    </Layout>
  );
}

export function TicketSuccessPage({ ticket, agentName, now }: { ticket: TicketRow; agentName: string | null; now: number }) {
  const reference = referenceOf(ticket.id);
  return (
    <Layout title={`Request ${reference} received`}>
      <article>
        <header>
          <h1>Thank you — we have your request</h1>
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
          <dt>Answer due by</dt>
          <dd>
            <Time ms={ticket.sla_due_at} /> <SlaBadge dueAt={ticket.sla_due_at} now={now} />
          </dd>
          <dt>Agent</dt>
          <dd class="agent-name">{agentName ?? 'Waiting for the next free agent'}</dd>
        </dl>
        <p>We sent a confirmation to {ticket.customer_email}. You can follow your request at any time:</p>
        <p>
          <a href={`/tickets/status/${ticket.token}/`} role="button">
            Follow request {reference}
          </a>
        </p>
      </article>
    </Layout>
  );
}

/** A timeline entry in the customer's words: "Assigned to Alice 2 min after you wrote". */
export function describeForCustomer(entry: TimelineEntry, createdAt: number): string {
  const after = entry.at - createdAt < 1000 ? 'right away' : `${humanSpan(entry.at - createdAt)} after you wrote`;
  switch (entry.type) {
    case 'created':
      return entry.to_name ? `You wrote to us; ${entry.to_name} took it right away` : 'You wrote to us';
    case 'assigned':
      return `Assigned to ${entry.to_name ?? 'an agent'} ${after}`;
    case 'reassigned':
      return `Moved to ${entry.to_name ?? 'another agent'} ${after}`;
    case 'requeued':
      return `Back in the queue for the next free agent ${after}`;
    case 'closed':
      return `Closed by ${entry.actor_name ?? entry.from_name ?? 'our team'} ${after}`;
    case 'sla_breached':
      return `Our answer is late: the deadline passed ${after}`;
  }
}

export function TicketStatusPage({ ticket, agentName, timeline, now }: { ticket: TicketRow; agentName: string | null; timeline: TimelineEntry[]; now: number }) {
  const reference = referenceOf(ticket.id);
  const state = stateOf({ status: ticket.status, agentId: ticket.agent_id });
  return (
    <Layout title={`Request ${reference}`}>
      <article>
        <header>
          <hgroup>
            <h1>
              {reference}: {ticket.title}
            </h1>
            <p>
              <StateBadge state={state} /> <PriorityBadge priority={ticket.priority} />{' '}
              <SlaBadge dueAt={ticket.sla_due_at} closedAt={ticket.closed_at} now={now} />
            </p>
          </hgroup>
        </header>
        <dl class="facts">
          <dt>Agent</dt>
          <dd class="agent-name">{agentName ?? (state === 'pending' ? 'Waiting for the next free agent' : '—')}</dd>
          <dt>Submitted</dt>
          <dd>
            <Time ms={ticket.created_at} />
          </dd>
          <dt>Answer due by</dt>
          <dd>
            <Time ms={ticket.sla_due_at} />
          </dd>
        </dl>
        <h2>What happened so far</h2>
        <ol class="timeline">
          {timeline.map((entry) => (
            <li data-event={entry.type}>
              <Time ms={entry.at} /> — {describeForCustomer(entry, ticket.created_at)}
            </li>
          ))}
        </ol>
        <details>
          <summary>Your message</summary>
          <p class="description">{ticket.description}</p>
        </details>
      </article>
    </Layout>
  );
}
