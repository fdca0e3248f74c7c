/**
 * The admin data browser (/admin/): lists with filters and keyset pages, detail pages with actions.
 * Everything is plain HTML forms: GET forms filter, POST forms (with a CSRF token) act.
 */
import type { ApiTokenInfo } from '../services/tokens.js';
import type { ComponentChildren } from 'preact';
import { referenceOf, stateOf } from '../core/tickets.js';
import type { OutboxRow, TicketRow, UserRow } from '../db/schema.js';
import type { EmailListRow, EventListRow, Page, TicketListRow, UserListRow } from '../repositories/adminLists.js';
import type { AgentChoice } from '../repositories/adminUsers.js';
import type { TimelineEntry } from '../repositories/events.js';
import { ActionForm, CsrfField, EmptyState, type FormErrors, type FormValues, PriorityBadge, SelectField, SlaBadge, StateBadge, TextField, Time, DataTable } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

const SECTIONS = [
  ['/admin/tickets/', 'Tickets'],
  ['/admin/users/', 'Users'],
  ['/admin/events/', 'Events'],
  ['/admin/emails/', 'Emails'],
] as const;

function Breadcrumb({ trail }: { trail: [string, string | null][] }) {
  return (
    <nav aria-label="breadcrumb">
      <ul>
        <li>
          <a href="/admin/">Data</a>
        </li>
        {trail.map(([label, href]) => (
          <li>{href ? <a href={href}>{label}</a> : label}</li>
        ))}
      </ul>
    </nav>
  );
}

function AdminFrame({ title, trail, viewer, csrf, flash, children }: PageBase & { title: string; trail: [string, string | null][]; children: ComponentChildren }) {
  return (
    <Layout title={title} viewer={viewer} csrf={csrf} flash={flash}>
      <Breadcrumb trail={trail} />
      {children}
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Index

export function AdminIndexPage({ viewer, csrf, flash, pending, failedEmails }: PageBase & { pending: number; failedEmails: number }) {
  const notes: Record<string, string> = {
    '/admin/tickets/': `${pending} waiting in the queue`,
    '/admin/users/': 'agents and admins: capacity, deactivation',
    '/admin/events/': 'every change of agent or status',
    '/admin/emails/': failedEmails > 0 ? `${failedEmails} failed — retry them here` : 'the outbox: queued, sent and failed emails',
  };
  return (
    <Layout title="Data" viewer={viewer} csrf={csrf} flash={flash}>
      <h1>Data</h1>
      <div class="grid">
        {SECTIONS.map(([href, label]) => (
          <article>
            <header>
              <a href={href}>
                <strong>{label}</strong>
              </a>
            </header>
            <p data-section={label.toLowerCase()}>{notes[href]}</p>
          </article>
        ))}
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// List pieces

function DateField({ name, label, values, errors }: { name: string; label: string; values: FormValues; errors: FormErrors }) {
  return (
    <label for={name}>
      {label}
      <input type="date" id={name} name={name} value={values[name] ?? ''} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={errors[name] ? `${name}-error` : undefined} />
      {errors[name] && (
        <small id={`${name}-error`} class="field-error" role="alert">
          {errors[name]}
        </small>
      )}
    </label>
  );
}

const any = (options: [string, string][]): [string, string][] => [['', 'Any'], ...options];

function FilterForm({ action, values, errors, children }: { action: string; values: FormValues; errors: FormErrors; children: ComponentChildren }) {
  return (
    <details open={Object.keys(values).length > 0 || Object.keys(errors).length > 0}>
      <summary>Filters and search</summary>
      <form method="get" action={action} class="filters">
        {children}
        {values.per_page && <input type="hidden" name="per_page" value={values.per_page} />}
        <div class="grid">
          <button type="submit">Apply</button>
          <a href={action} role="button" class="secondary outline">
            Clear
          </a>
        </div>
      </form>
    </details>
  );
}

function Search({ values, errors, label }: { values: FormValues; errors: FormErrors; label: string }) {
  return <TextField name="q" label={label} values={values} errors={errors} maxLength={200} />;
}

function Pager({ path, values, page }: { path: string; values: FormValues; page: Page<unknown> }) {
  const url = (cursor: Record<string, number>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value !== '') params.set(key, value);
    for (const [key, value] of Object.entries(cursor)) params.set(key, String(value));
    return `${path}?${params.toString()}`;
  };
  return (
    <nav aria-label="pages" class="pager">
      <ul>
        <li>{page.prevBefore !== null ? <a href={url({ before: page.prevBefore })} rel="prev">← Newer</a> : <span aria-disabled="true">← Newer</span>}</li>
      </ul>
      <ul>
        <li>{page.nextAfter !== null ? <a href={url({ after: page.nextAfter })} rel="next">Older →</a> : <span aria-disabled="true">Older →</span>}</li>
      </ul>
    </nav>
  );
}

interface ListProps<R> extends PageBase {
  page: Page<R>;
  values: FormValues;
  errors: FormErrors;
}

function ListFrame<R>({ title, path, props, filters, children }: { title: string; path: string; props: ListProps<R>; filters: ComponentChildren; children: ComponentChildren }) {
  const { viewer, csrf, flash, page, values, errors } = props;
  const invalid = Object.keys(errors).length > 0;
  return (
    <AdminFrame title={title} trail={[[title, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <h1>{title}</h1>
      <FilterForm action={path} values={values} errors={errors}>
        {filters}
      </FilterForm>
      {invalid ? (
        <p class="flash flash-error" role="alert">
          Some filters are not valid; correct them to see the list.
        </p>
      ) : page.rows.length === 0 ? (
        <EmptyState>Nothing matches.</EmptyState>
      ) : (
        <>
          <div class="table-scroll">{children}</div>
          <Pager path={path} values={values} page={page} />
        </>
      )}
    </AdminFrame>
  );
}

const PRESENCE_LABELS = { available: 'Available', away: 'Away', offline: 'Offline' } as const;

function PresenceBadge({ presence }: { presence: keyof typeof PRESENCE_LABELS }) {
  return <span class={`badge presence-${presence}`}>{PRESENCE_LABELS[presence]}</span>;
}

// ---------------------------------------------------------------------------------------------
// Tickets

export function TicketListPage(props: ListProps<TicketListRow> & { now: number }) {
  const { values, errors, page, now } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="state" label="State" values={values} errors={errors} options={any([['pending', 'Waiting (pending)'], ['open', 'Assigned (open)'], ['closed', 'Closed']])} />
        <SelectField name="status" label="Status" values={values} errors={errors} options={any([['open', 'Open'], ['closed', 'Closed']])} />
        <SelectField name="priority" label="Priority" values={values} errors={errors} options={any([['high', 'High'], ['medium', 'Medium'], ['low', 'Low']])} />
        <SelectField name="breached" label="SLA breached" values={values} errors={errors} options={any([['yes', 'Yes'], ['no', 'No']])} />
      </div>
      <div class="grid">
        <TextField name="agent" label="Agent (username)" values={values} errors={errors} maxLength={64} />
        <DateField name="from" label="Created from" values={values} errors={errors} />
        <DateField name="to" label="Created until" values={values} errors={errors} />
      </div>
      <Search values={values} errors={errors} label="Search title or customer email" />
    </>
  );
  return (
    <ListFrame title="Tickets" path="/admin/tickets/" props={props} filters={filters}>
      <DataTable class="striped" id="ticket-list" columns={['Ticket', 'State', 'Priority', 'Agent', 'Customer', 'Created', 'SLA']}>
          {page.rows.map((t) => (
            <tr data-id={t.id}>
              <td>
                <a href={`/admin/tickets/${t.id}/`}>
                  <strong>{referenceOf(t.id)}</strong>
                </a>{' '}
                {t.title}
              </td>
              <td>
                <StateBadge state={stateOf({ status: t.status, agentId: t.agent_id })} />
              </td>
              <td>
                <PriorityBadge priority={t.priority} />
              </td>
              <td>{t.agent_username ?? '—'}</td>
              <td>{t.customer_email}</td>
              <td>
                <Time ms={t.created_at} />
              </td>
              <td>
                <SlaBadge dueAt={t.sla_due_at} closedAt={t.closed_at} now={now} />
              </td>
            </tr>
          ))}
      </DataTable>
    </ListFrame>
  );
}

const EVENT_LABELS: Record<TimelineEntry['type'], string> = {
  created: 'Created',
  assigned: 'Assigned',
  reassigned: 'Reassigned',
  requeued: 'Back to the queue',
  closed: 'Closed',
  sla_breached: 'SLA breached',
};

function moveText(from: string | null, to: string | null): string {
  if (from && to) return `${from} → ${to}`;
  if (to) return `→ ${to}`;
  if (from) return `${from} →`;
  return '';
}

export interface TicketDetailProps extends PageBase {
  ticket: TicketRow;
  agent: UserRow | null;
  timeline: TimelineEntry[];
  emails: OutboxRow[];
  agents: AgentChoice[];
  now: number;
}

/** What happened, the move it made, and who did it: the columns a timeline and the events list share. */
function EventCells({ event }: { event: { type: keyof typeof EVENT_LABELS; from_username: string | null; to_username: string | null; actor_username: string | null } }) {
  return (
    <>
      <td>{EVENT_LABELS[event.type]}</td>
      <td>{moveText(event.from_username, event.to_username)}</td>
      <td>{event.actor_username ?? (event.type === 'created' ? 'customer' : 'system')}</td>
    </>
  );
}

export function TicketDetailPage({ viewer, csrf, flash, ticket, agent, timeline, emails, agents, now }: TicketDetailProps) {
  const reference = referenceOf(ticket.id);
  const state = stateOf({ status: ticket.status, agentId: ticket.agent_id });
  return (
    <AdminFrame title={reference} trail={[['Tickets', '/admin/tickets/'], [reference, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>
          {reference}: {ticket.title}
        </h1>
        <p>
          <StateBadge state={state} /> <PriorityBadge priority={ticket.priority} /> <SlaBadge dueAt={ticket.sla_due_at} closedAt={ticket.closed_at} now={now} />
        </p>
      </hgroup>
      <div class="grid">
        <dl class="facts">
          <dt>Customer</dt>
          <dd>
            {ticket.customer_name} &lt;{ticket.customer_email}&gt;
          </dd>
          <dt>Agent</dt>
          <dd class="agent-name">{agent ? <a href={`/admin/users/${agent.id}/`}>{`${agent.display_name} (${agent.username})`}</a> : '—'}</dd>
          <dt>Created</dt>
          <dd>
            <Time ms={ticket.created_at} />
          </dd>
          <dt>Assigned</dt>
          <dd>{ticket.assigned_at === null ? '—' : <Time ms={ticket.assigned_at} />}</dd>
          <dt>SLA due</dt>
          <dd>
            <Time ms={ticket.sla_due_at} />
          </dd>
          <dt>Breach noted</dt>
          <dd>{ticket.sla_breached_at === null ? '—' : <Time ms={ticket.sla_breached_at} />}</dd>
          <dt>Closed</dt>
          <dd>{ticket.closed_at === null ? '—' : <Time ms={ticket.closed_at} />}</dd>
          <dt>Status page</dt>
          <dd>
            <a href={`/tickets/status/${ticket.token}/`}>customer view</a>
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
                  {agents.map((a) => (
                    <option value={a.username} selected={a.id === ticket.agent_id}>
                      {`${a.username} — ${PRESENCE_LABELS[a.presence].toLowerCase()}, ${a.openCount}/${a.capacity} open`}
                    </option>
                  ))}
                </select>
                <small>Any active agent, even beyond its capacity or while away.</small>
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
        <DataTable id="timeline" columns={['When', 'Event', 'Move', 'By']}>
            {timeline.map((e) => (
              <tr data-event={e.type}>
                <td>
                  <Time ms={e.at} />
                </td>
                <EventCells event={e} />
              </tr>
            ))}
        </DataTable>
      </div>
      <details>
        <summary>Description</summary>
        <p class="description">{ticket.description}</p>
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

// ---------------------------------------------------------------------------------------------
// Users

export function UserListPage(props: ListProps<UserListRow> & { defaultCapacity: number }) {
  const { values, errors, page, defaultCapacity } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="role" label="Role" values={values} errors={errors} options={any([['agent', 'Agent'], ['admin', 'Admin']])} />
        <SelectField name="active" label="Active" values={values} errors={errors} options={any([['yes', 'Yes'], ['no', 'No (deactivated)']])} />
        <SelectField name="presence" label="Presence" values={values} errors={errors} options={any([['available', 'Available'], ['away', 'Away'], ['offline', 'Offline']])} />
      </div>
      <Search values={values} errors={errors} label="Search username, name or email" />
    </>
  );
  return (
    <ListFrame title="Users" path="/admin/users/" props={props} filters={filters}>
      <p>
        <a href="/adminapp/register/">Register a new agent or admin</a>
      </p>
      <DataTable class="striped" id="user-list" columns={['Username', 'Name', 'Role', 'Presence', 'Open / capacity', 'Active']}>
          {page.rows.map((u) => (
            <tr data-id={u.id}>
              <td>
                <a href={`/admin/users/${u.id}/`}>{u.username}</a>
              </td>
              <td>{u.display_name}</td>
              <td>{u.role}</td>
              <td>
                <PresenceBadge presence={u.presence} />
              </td>
              <td>{u.role === 'agent' ? `${u.open_count} / ${u.capacity ?? defaultCapacity}${u.capacity === null ? ' (default)' : ''}` : '—'}</td>
              <td>{u.active === 1 ? 'yes' : 'no'}</td>
            </tr>
          ))}
      </DataTable>
    </ListFrame>
  );
}

export interface UserDetailProps extends PageBase {
  user: UserRow;
  openTickets: TicketRow[];
  /** The user's API tokens (never the secrets). */
  tokens: ApiTokenInfo[];
  /** A token just created: shown on this one page only. */
  newToken?: { name: string; token: string } | undefined;
  defaultCapacity: number;
  values: FormValues;
  errors: FormErrors;
  now: number;
}

function ApiTokens({ user, tokens, newToken, csrf }: Pick<UserDetailProps, 'user' | 'tokens' | 'newToken' | 'csrf'>) {
  return (
    <section id="api-tokens" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {newToken && (
        <div class="flash flash-success" role="status">
          <p>
            New token <strong>{newToken.name}</strong>. Copy it now: it is shown only this once.
          </p>
          <pre>
            <code id="new-token">{newToken.token}</code>
          </pre>
        </div>
      )}
      {tokens.length === 0 ? (
        <EmptyState>No API token.</EmptyState>
      ) : (
        <div class="table-scroll">
          <DataTable columns={['Name', 'Created', 'Last used', 'State']}>
              {tokens.map((t) => (
                <tr data-token={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <Time ms={t.createdAt} />
                  </td>
                  <td>{t.lastUsedAt === null ? 'never' : <Time ms={t.lastUsedAt} />}</td>
                  <td>
                    {t.revokedAt !== null ? (
                      'revoked'
                    ) : (
                      <ActionForm action={`/admin/users/${user.id}/tokens/${t.id}/revoke/`} csrf={csrf} class="secondary small" ariaLabel={`Revoke token ${t.name}`} label="Revoke" />
                    )}
                  </td>
                </tr>
              ))}
          </DataTable>
        </div>
      )}
      {user.active === 1 && (
        <form method="post" action={`/admin/users/${user.id}/tokens/`}>
          <CsrfField token={csrf} />
          <label for="token-name">
            What is it for?
            <input id="token-name" name="name" maxLength={100} placeholder="e.g. website contact form" />
          </label>
          <button type="submit">Create API token</button>
        </form>
      )}
    </section>
  );
}

export function UserDetailPage({ viewer, csrf, flash, user, openTickets, tokens, newToken, defaultCapacity, values, errors, now }: UserDetailProps) {
  const isSelf = viewer.username === user.username;
  return (
    <AdminFrame title={user.username} trail={[['Users', '/admin/users/'], [user.username, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>{user.display_name}</h1>
        <p>
          {user.username} · {user.role} · <PresenceBadge presence={user.presence} /> {user.active === 1 ? '' : <strong class="badge sla-breached">deactivated</strong>}
        </p>
      </hgroup>
      <div class="grid">
        <dl class="facts">
          <dt>Email</dt>
          <dd>{user.email || '—'}</dd>
          <dt>Capacity</dt>
          <dd>{user.role === 'agent' ? (user.capacity === null ? `${defaultCapacity} (the default)` : String(user.capacity)) : '—'}</dd>
          <dt>Last ticket received</dt>
          <dd>{user.last_assigned_at === null ? 'never' : <Time ms={user.last_assigned_at} />}</dd>
          <dt>Registered</dt>
          <dd>
            <Time ms={user.created_at} />
          </dd>
          <dt>History</dt>
          <dd>
            <a href={`/admin/tickets/?agent=${encodeURIComponent(user.username)}`}>tickets</a> · <a href={`/admin/events/?agent=${encodeURIComponent(user.username)}`}>events</a>
          </dd>
        </dl>
        <article id="user-actions">
          <header>Actions</header>
          {user.role === 'agent' && user.active === 1 && (
            <form method="post" action={`/admin/users/${user.id}/capacity/`} novalidate>
              <CsrfField token={csrf} />
              <TextField name="capacity" label="Capacity" type="number" values={values} errors={errors} hint={`Empty: the default (${defaultCapacity}). Raising it pulls waiting tickets at once.`} />
              <button type="submit">Save capacity</button>
            </form>
          )}
          {user.active === 1 ? (
            isSelf ? (
              <p>
                <small>You cannot deactivate your own account.</small>
              </p>
            ) : (
              <ActionForm
                action={`/admin/users/${user.id}/deactivate/`}
                csrf={csrf}
                class="contrast"
                label="Deactivate"
                note="Logs them out for good; their open tickets go back to the queue and to other agents."
              />
            )
          ) : (
            <ActionForm action={`/admin/users/${user.id}/reactivate/`} csrf={csrf} label="Reactivate" note="They can log in again." />
          )}
        </article>
      </div>
      {user.role === 'agent' && (
        <>
          <h2>Open tickets</h2>
          {openTickets.length === 0 ? (
            <EmptyState>No open ticket.</EmptyState>
          ) : (
            <ul id="open-tickets">
              {openTickets.map((t) => (
                <li>
                  <a href={`/admin/tickets/${t.id}/`}>{referenceOf(t.id)}</a> {t.title} <SlaBadge dueAt={t.sla_due_at} now={now} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <ApiTokens user={user} tokens={tokens} newToken={newToken} csrf={csrf} />
    </AdminFrame>
  );
}

// ---------------------------------------------------------------------------------------------
// Events

export function EventListPage(props: ListProps<EventListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="type" label="Type" values={values} errors={errors} options={any(Object.entries(EVENT_LABELS))} />
        <TextField name="ticket" label="Ticket (HD-…)" values={values} errors={errors} maxLength={20} />
        <TextField name="agent" label="Agent or actor (username)" values={values} errors={errors} maxLength={64} />
      </div>
      <div class="grid">
        <DateField name="from" label="From" values={values} errors={errors} />
        <DateField name="to" label="Until" values={values} errors={errors} />
      </div>
    </>
  );
  return (
    <ListFrame title="Events" path="/admin/events/" props={props} filters={filters}>
      <DataTable class="striped" id="event-list" columns={['When', 'Ticket', 'Event', 'Move', 'By']}>
          {page.rows.map((e) => (
            <tr data-id={e.id}>
              <td>
                <Time ms={e.at} />
              </td>
              <td>
                <a href={`/admin/tickets/${e.ticket_id}/`}>{referenceOf(e.ticket_id)}</a>
              </td>
              <EventCells event={e} />
            </tr>
          ))}
      </DataTable>
    </ListFrame>
  );
}

// ---------------------------------------------------------------------------------------------
// Emails

const EMAIL_STATUS_CLASS = { pending: 'state-pending', sending: 'state-open', sent: 'sla-ok', failed: 'sla-breached' } as const;

function EmailStatusBadge({ status }: { status: OutboxRow['status'] }) {
  return <span class={`badge ${EMAIL_STATUS_CLASS[status]}`}>{status}</span>;
}

function EmailTable({ rows }: { rows: (EmailListRow | OutboxRow)[] }) {
  return (
    <DataTable class="striped" id="email-list" columns={['Email', 'Kind', 'To', 'Subject', 'Status', 'Tries', 'Queued']}>
        {rows.map((m) => (
          <tr data-id={m.id}>
            <td>
              <a href={`/admin/emails/${m.id}/`}>#{m.id}</a>
            </td>
            <td>{m.kind}</td>
            <td>{m.to_address}</td>
            <td>{m.subject}</td>
            <td>
              <EmailStatusBadge status={m.status} />
            </td>
            <td>{m.attempts}</td>
            <td>
              <Time ms={m.created_at} />
            </td>
          </tr>
        ))}
    </DataTable>
  );
}

export function EmailListPage(props: ListProps<EmailListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="status" label="Status" values={values} errors={errors} options={any([['pending', 'Pending'], ['sending', 'Sending'], ['sent', 'Sent'], ['failed', 'Failed']])} />
        <SelectField name="kind" label="Kind" values={values} errors={errors} options={any([['created', 'Created'], ['assigned', 'Assigned'], ['reassigned', 'Reassigned'], ['closed', 'Closed'], ['sla_breached', 'SLA breached']])} />
        <TextField name="ticket" label="Ticket (HD-…)" values={values} errors={errors} maxLength={20} />
      </div>
      <Search values={values} errors={errors} label="Search recipient or subject" />
    </>
  );
  return (
    <ListFrame title="Emails" path="/admin/emails/" props={props} filters={filters}>
      <EmailTable rows={page.rows} />
    </ListFrame>
  );
}

export function EmailDetailPage({ viewer, csrf, flash, email }: PageBase & { email: OutboxRow }) {
  const title = `Email #${email.id}`;
  return (
    <AdminFrame title={title} trail={[['Emails', '/admin/emails/'], [title, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>{email.subject}</h1>
        <p>
          <EmailStatusBadge status={email.status} /> {email.kind} to {email.to_address}
        </p>
      </hgroup>
      <dl class="facts">
        <dt>Ticket</dt>
        <dd>{email.ticket_id === null ? '—' : <a href={`/admin/tickets/${email.ticket_id}/`}>{referenceOf(email.ticket_id)}</a>}</dd>
        <dt>Queued</dt>
        <dd>
          <Time ms={email.created_at} />
        </dd>
        <dt>Tries</dt>
        <dd>{email.attempts}</dd>
        <dt>{email.status === 'sent' ? 'Sent' : 'Next try'}</dt>
        <dd>{email.status === 'sent' ? email.sent_at === null ? '—' : <Time ms={email.sent_at} /> : email.status === 'failed' ? 'none: given up' : <Time ms={email.next_attempt_at} />}</dd>
        <dt>Last error</dt>
        <dd class="description" id="last-error">
          {email.last_error ?? '—'}
        </dd>
      </dl>
      {email.status === 'failed' && (
        <ActionForm action={`/admin/emails/${email.id}/retry/`} csrf={csrf} label="Retry sending" note="It is queued again now, with a fresh set of tries." />
      )}
      <h2>Text</h2>
      <pre class="description">{email.text_body}</pre>
      <details>
        <summary>HTML source</summary>
        <pre class="description">{email.html_body}</pre>
      </details>
    </AdminFrame>
  );
}
