/** /admin/tickets/: the ticket list and a ticket's detail page with its actions. */
import { ticketShowsSeconds } from '../../core/sla.js';
import { referenceOf, stateOf } from '../../core/tickets.js';
import type { OutboxRow, TicketRow, UserRow } from '../../db/schema.js';
import type { TicketListRow } from '../../repositories/adminLists.js';
import type { AgentChoice } from '../../repositories/adminUsers.js';
import type { TimelineEntry } from '../../repositories/events.js';
import { customerStatusPath, staffTicketPath } from '../../http/links.js';
import { SlaTargetFacts } from '../slaTargets.js';
import { TicketRoutingFacts } from '../ticketRouting.js';
import { ActionForm, Clamped, type Column, CsrfField, DueTime, EmptyState, LinkedText, PriorityBadge, RecordTable, SelectField, SlaBadge, StateBadge, TextField, Time, WaitingOnBadge } from '../components.js';
import { type PageBase, AdminFrame, DateField, any, type ListProps, ListFrame, PRESENCE_LABELS } from './frame.js';
import { eventColumns } from './events.js';
import { EmailTable } from './emails.js';
import { Highlight, SEARCH_HINT, SearchCorrected } from '../search.js';
import { RatingFacts } from '../rating.js';

/** A search corrected because what was typed found nothing (repositories/searchTypos.ts). */
export interface TicketListCorrection {
  typed: string;
  shown: string;
  /** The same list searching exactly as typed. */
  exactHref: string;
}

/**
 * The ticket list's columns: the conversation link rides with the reference and whose turn it is
 * with the state, so seven columns fit a laptop screen without sideways scrolling.
 */
function ticketColumns(now: number, words: readonly string[]): Column<TicketListRow>[] {
  return [
    {
      title: 'Ticket',
      fit: 'wide',
      cell: (t) => (
        <>
          <a href={`/admin/tickets/${t.id}/`}>
            <strong>{referenceOf(t.id)}</strong>
          </a>{' '}
          <bdi>
            <Clamped text={t.title}>
              <Highlight text={t.title} words={words} />
            </Clamped>
          </bdi>{' '}
          <small>
            <a href={staffTicketPath(t.id)}>
              Conversation<span class="visually-hidden"> of {referenceOf(t.id)}</span>
            </a>
          </small>
        </>
      ),
    },
    {
      title: 'State',
      cell: (t) => (
        <span class="badges">
          <StateBadge state={stateOf({ status: t.status, agentId: t.agent_id })} />
          {t.waiting_on !== null && <WaitingOnBadge waitingOn={t.waiting_on} />}
        </span>
      ),
    },
    { title: 'Priority', cell: (t) => <PriorityBadge priority={t.priority} /> },
    { title: 'Agent', cell: (t) => t.agent_username ?? '—' },
    { title: 'Customer', cell: (t) => <Highlight text={t.customer_email} words={words} /> },
    { title: 'Created', cell: (t) => <Time ms={t.created_at} seconds={ticketShowsSeconds(t)} /> },
    { title: 'SLA', cell: (t) => <SlaBadge dueAt={t.sla_due_at} closedAt={t.closed_at} now={now} seconds={ticketShowsSeconds(t)} paused={t.sla_paused_at !== null} /> },
  ];
}

export function TicketListPage(props: ListProps<TicketListRow> & { now: number; words: readonly string[]; corrected: TicketListCorrection | null }) {
  const { values, errors, page, now, words, corrected } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="state" label="State" values={values} errors={errors} options={any([['pending', 'Waiting (pending)'], ['open', 'Assigned (open)'], ['closed', 'Closed']])} />
        <SelectField name="status" label="Status" values={values} errors={errors} options={any([['open', 'Open'], ['closed', 'Closed']])} />
        <SelectField name="priority" label="Priority" values={values} errors={errors} options={any([['high', 'High'], ['medium', 'Medium'], ['low', 'Low']])} />
        <SelectField name="breached" label="SLA breached" values={values} errors={errors} options={any([['yes', 'Yes'], ['no', 'No']])} />
        <SelectField
          name="unattended"
          label="Nobody available may take it"
          values={values}
          errors={errors}
          options={any([['yes', 'Yes (waiting)'], ['no', 'No (waiting for room)']])}
        />
      </div>
      <div class="grid">
        <TextField name="agent" label="Agent (username)" values={values} errors={errors} maxLength={64} />
        <TextField name="team" label="Team" values={values} errors={errors} maxLength={64} />
        <SelectField name="holder" label="Held by" values={values} errors={errors} options={any([['available', 'An available agent'], ['unavailable', 'An agent away or offline']])} />
        <DateField name="from" label="Created from" values={values} errors={errors} />
        <DateField name="to" label="Created until" values={values} errors={errors} />
      </div>
      <TextField name="q" label="Search" values={values} errors={errors} maxLength={200} hint={`${SEARCH_HINT} Best matches first.`} />
    </>
  );
  return (
    <ListFrame title="Tickets" path="/admin/tickets/" exportPath="/admin/tickets/export.csv" props={props} filters={filters} now={now}>
      {corrected !== null && <SearchCorrected {...corrected} />}
      <RecordTable id="ticket-list" rows={page.rows} columns={ticketColumns(now, words)} rowData={(t) => ({ id: t.id })} />
    </ListFrame>
  );
}

export interface TicketDetailProps extends PageBase {
  ticket: TicketRow;
  /** Its team's and topic's names (§12): null once deleted. */
  names: { team: string | null; topic: string | null };
  agent: UserRow | null;
  timeline: TimelineEntry[];
  emails: OutboxRow[];
  agents: AgentChoice[];
  now: number;
}

export function TicketDetailPage({ viewer, csrf, flash, ticket, names, agent, timeline, emails, agents, now }: TicketDetailProps) {
  const reference = referenceOf(ticket.id);
  const state = stateOf({ status: ticket.status, agentId: ticket.agent_id });
  const seconds = ticketShowsSeconds(ticket);
  // The reassign menu: the ticket's team's members first (QA: other teams' agents came mixed in).
  const inTeam = (a: AgentChoice) => a.teams.some((t) => t.id === ticket.team_id);
  const [members, others] = [agents.filter(inTeam), agents.filter((a) => !inTeam(a))];
  const teamName = agents.flatMap((a) => a.teams).find((t) => t.id === ticket.team_id)?.name ?? null;
  return (
    <AdminFrame title={reference} trail={[['Tickets', '/admin/tickets/'], [reference, null]]} viewer={viewer} csrf={csrf} flash={flash} now={now}>
      <hgroup>
        <h1>
          {reference}: <bdi>{ticket.title}</bdi>
        </h1>
        <p>
          <StateBadge state={state} /> <PriorityBadge priority={ticket.priority} /> <SlaBadge dueAt={ticket.sla_due_at} closedAt={ticket.closed_at} now={now} seconds={seconds} paused={ticket.sla_paused_at !== null} />{' '}
          <WaitingOnBadge waitingOn={ticket.waiting_on} />
        </p>
        <p>
          <a href={staffTicketPath(ticket.id)} id="conversation-link">
            Conversation: read the thread, reply or add a note
          </a>
        </p>
      </hgroup>
      <div class="grid">
        <dl class="facts">
          <dt>Customer</dt>
          <dd>
            <bdi>{ticket.customer_name}</bdi> &lt;{ticket.customer_email}&gt;
          </dd>
          <dt>Waiting on</dt>
          <dd>{ticket.waiting_on === null ? 'Nobody (closed)' : ticket.waiting_on === 'agent' ? 'The agent' : 'The customer'}</dd>
          <dt>Agent</dt>
          <dd class="agent-name">{agent ? <a href={`/admin/users/${agent.id}/`}>
                <bdi>{agent.display_name}</bdi> ({agent.username})
              </a> : '—'}</dd>
          <TicketRoutingFacts teamName={names.team} topicName={names.topic} ticket={ticket} />
          <dt>Created</dt>
          <dd>
            <Time ms={ticket.created_at} seconds={seconds} />
          </dd>
          <dt>Assigned</dt>
          <dd>{ticket.assigned_at === null ? '—' : <Time ms={ticket.assigned_at} seconds={seconds} />}</dd>
          <dt>SLA due</dt>
          <dd>
            <DueTime ms={ticket.sla_due_at} seconds={seconds} paused={ticket.sla_paused_at !== null} />
          </dd>
          <SlaTargetFacts ticket={ticket} now={now} seconds={seconds} />
          <dt>Resolution breach noted</dt>
          <dd>{ticket.sla_breached_at === null ? '—' : <Time ms={ticket.sla_breached_at} seconds={seconds} />}</dd>
          <dt>Closed</dt>
          <dd>{ticket.closed_at === null ? '—' : <Time ms={ticket.closed_at} seconds={seconds} />}</dd>
          <RatingFacts ticket={ticket} />
          <dt>Status page</dt>
          <dd>
            <a href={customerStatusPath(ticket.token)}>customer view</a>
          </dd>
        </dl>
        {ticket.status === 'open' ? (
          <article id="ticket-actions">
            <header>Actions</header>
            <form method="post" action={`/admin/tickets/${ticket.id}/reassign/`}>
              <CsrfField token={csrf} />
              <label for="agent">
                Reassign to
                <select id="agent" name="agent" required>
                  {[members, others].map(
                    (group, i) =>
                      group.length > 0 && (
                        <optgroup label={i === 0 ? `In ${teamName ?? 'its team'}` : 'Other teams'}>
                          {group.map((a) => (
                            <option value={a.username} selected={a.id === ticket.agent_id}>
                              {`${a.username} — ${PRESENCE_LABELS[a.presence].toLowerCase()}, ${a.openCount}/${a.capacity} open${i === 0 ? '' : ` · ${a.teams.map((t) => t.name).join(', ') || 'no team'}`}`}
                            </option>
                          ))}
                        </optgroup>
                      ),
                  )}
                </select>
                <small>Any active agent, even beyond its capacity, while away or outside the ticket’s team (routing itself gives a ticket only to its team).</small>
              </label>
              <button type="submit" disabled={agents.length === 0}>
                Reassign
              </button>
            </form>
            {ticket.agent_id !== null && (
              <ActionForm action={`/admin/tickets/${ticket.id}/requeue/`} csrf={csrf} class="secondary" label="Send back to the queue" note="It goes to another agent with room at once, if there is one." />
            )}
            <ActionForm action={`/admin/tickets/${ticket.id}/close/`} csrf={csrf} class="contrast" label="Close ticket" />
          </article>
        ) : (
          <p>Closed tickets cannot be moved or reopened.</p>
        )}
      </div>
      <h2>Timeline</h2>
      <div class="table-scroll">
        <RecordTable id="timeline" rows={timeline} columns={eventColumns(() => seconds)} rowData={(e) => ({ event: e.type })} />
      </div>
      <details>
        <summary>Description</summary>
        <p class="description">
          <LinkedText text={ticket.description} />
        </p>
      </details>
      <h2>Emails</h2>
      {emails.length === 0 ? (
        <EmptyState>No email for this ticket.</EmptyState>
      ) : (
        <div class="table-scroll">
          <EmailTable rows={emails} />
        </div>
      )}
    </AdminFrame>
  );
}
