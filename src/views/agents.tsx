import type { ComponentChildren } from 'preact';
import { humanSpan, ticketShowsSeconds } from '../core/sla.js';
import { referenceOf } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import { staffTicketPath } from '../http/links.js';
import { SlaTargetBadges } from './slaTargets.js';
import { CloseControl } from './closeControl.js';
import { CsrfField, DataTable, EmptyState, type FormErrors, FormNotice, type FormValues, PriorityBadge, SlaBadge, TextField, Time, WaitingOnBadge } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';
import { AgentSearch, type SearchResultsProps } from './search.js';
import { autoAwayTicketsNote } from '../core/awayMessages.js';

/**
 * A ticket's first two cells in both of the dashboard's tables: reference and title (a link to the
 * ticket's page, where the agent answers), priority.
 */
function TicketCells({ ticket }: { ticket: TicketRow }) {
  return (
    <>
      <Cell label="Ticket" class="ticket-title">
        <a href={staffTicketPath(ticket.id)}>
          <strong>{referenceOf(ticket.id)}</strong> <bdi>{ticket.title}</bdi>
        </a>
      </Cell>
      <Cell label="Priority">
        <PriorityBadge priority={ticket.priority} />
      </Cell>
    </>
  );
}

/**
 * The staff login. `sso`: the single sign-on provider's label (OIDC_BUTTON_LABEL) when it is set
 * up: a "Sign in with <label>" button above the password form.
 */
export function LoginPage({
  values,
  error,
  notice = null,
  next,
  csrf,
  flash = null,
  sso = null,
}: {
  values: FormValues;
  error: string | null;
  /** Why the form is back though nothing was wrong with it (it had expired): said above it, no field marked. */
  notice?: string | null;
  next: string;
  csrf: string;
  flash?: Flash | null;
  sso?: string | null;
}) {
  // A failed login marks both fields: saying which one was wrong would tell who has an account.
  const errors: FormErrors = error ? { username: error, password: error } : {};
  return (
    <Layout title={error ? 'Login failed' : 'Staff login'} flash={flash}>
      <article class="narrow">
        <header>
          <h1>Staff login</h1>
          <p>For agents and admins. Customers do not need an account: <a href="/tickets/create/">send a request</a>.</p>
        </header>
        <FormNotice id="login-notice" message={notice} />
        {error && (
          <p class="flash flash-error" role="alert" id="login-error">
            {error}
          </p>
        )}
        {sso !== null && (
          <form method="post" action="/agents/login/sso/" class="sso-login">
            <CsrfField token={csrf} />
            <input type="hidden" name="next" value={next} />
            <button type="submit" id="sso-login">
              Sign in with {sso}
            </button>
            <p>or log in with your username and password:</p>
          </form>
        )}
        <form method="post" action="/agents/login/">
          <CsrfField token={csrf} />
          <input type="hidden" name="next" value={next} />
          <TextField name="username" label="Username" values={values} errors={errors} required autocomplete="username" sharedErrorId="login-error" />
          <TextField name="password" label="Password" type="password" values={{}} errors={errors} required autocomplete="current-password" sharedErrorId="login-error" />
          <button type="submit">Log in</button>
        </form>
        <p>
          <a href="/agents/password/reset/">Forgot your password?</a>
        </p>
      </article>
    </Layout>
  );
}

/** A table cell that stacks under its label on a phone (see `.stack` in app.css). */
function Cell({ label, class: className, children }: { label: string; class?: string; children: ComponentChildren }) {
  return (
    <td data-label={label} class={className}>
      <span>{children}</span>
    </td>
  );
}

const PRESENCE_TEXT = { available: 'Available — receiving tickets', away: 'Away — not receiving new tickets', offline: 'Offline' } as const;

/**
 * The presence badge and its button. `autoAwayAfter`: the system set the agent away (auto-away,
 * e.g. "5 minutes"): say why, and the button says "I'm back" (it is never undone by itself).
 */
function PresenceToggle({ viewer, csrf, autoAwayAfter, releaseOnLogout }: { viewer: Viewer; csrf: string; autoAwayAfter: string | null; releaseOnLogout: boolean }) {
  const next = viewer.presence === 'available' ? 'away' : 'available';
  const auto = autoAwayAfter !== null && viewer.presence === 'away';
  return (
    <form method="post" action="/agents/availability/" class="presence">
      {auto ? (
        <p class="flash flash-info" id="auto-away-notice" role="status">
          You were set away after {autoAwayAfter} without an open page. {autoAwayTicketsNote(releaseOnLogout)}
        </p>
      ) : null}
      <CsrfField token={csrf} />
      <input type="hidden" name="status" value={next} />
      <span class={`badge presence-${viewer.presence}`} id="presence" data-presence={viewer.presence}>
        {PRESENCE_TEXT[viewer.presence]}
      </span>{' '}
      <button type="submit" class={next === 'away' ? 'secondary outline' : ''}>
        {next === 'away' ? 'Set away' : auto ? "I'm back" : 'Set available'}
      </button>
    </form>
  );
}

export interface AgentDashboardProps {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
  open: TicketRow[];
  closed: TicketRow[];
  capacity: number;
  now: number;
  search: SearchResultsProps;
  /** Set when the system set the agent away (auto-away): the limit, as in "5 minutes". */
  autoAwayAfter?: string | null;
  /** The release_on_logout setting: whether going away sent the agent's open tickets back to the queue. */
  releaseOnLogout?: boolean;
}

export function AgentDashboardPage({ viewer, csrf, flash, open, closed, capacity, now, search, autoAwayAfter = null, releaseOnLogout = false }: AgentDashboardProps) {
  return (
    <Layout title="My tickets" viewer={viewer} csrf={csrf} flash={flash} scripts={['agent-dashboard.js']} now={now}>
      <hgroup>
        <h1>My tickets</h1>
        <p id="open-summary">
          {open.length} of {capacity} open · {open.filter((t) => t.waiting_on === 'agent').length} waiting on you · most urgent deadline first · this page updates itself
        </p>
      </hgroup>
      <PresenceToggle viewer={viewer} csrf={csrf} autoAwayAfter={autoAwayAfter} releaseOnLogout={releaseOnLogout} />
      <AgentSearch {...search} />
      <section id="open-tickets" aria-labelledby="open-heading">
        <h2 id="open-heading">Open</h2>
        {open.length === 0 ? (
          <EmptyState title="No tickets waiting for you">
            {viewer.presence === 'available' ? 'New ones appear here by themselves as customers write in.' : 'Set yourself available to receive tickets.'}
          </EmptyState>
        ) : (
          <div class="table-scroll">
            <DataTable class="striped stack" columns={['Ticket', 'Priority', 'Waiting on', 'Customer', 'Age', 'SLA', <span class="visually-hidden">Actions</span>]}>
                {open.map((t) => (
                  <tr data-ticket={referenceOf(t.id)} data-closing={t.close_due_at !== null ? 'true' : undefined} data-breached={t.sla_breached_at !== null ? 'true' : undefined} data-waiting-on={t.waiting_on ?? undefined}>
                    <TicketCells ticket={t} />
                    <Cell label="Waiting on">
                      <WaitingOnBadge waitingOn={t.waiting_on} mine />
                    </Cell>
                    <Cell label="Customer">
                      <bdi>{t.customer_name}</bdi>
                      <br />
                      <small>{t.customer_email}</small>
                    </Cell>
                    <td data-label="Age">
                      <span class="age" data-since={t.created_at}>
                        {humanSpan(now - t.created_at)}
                      </span>
                    </td>
                    <Cell label="SLA">
                    <SlaBadge dueAt={t.sla_due_at} now={now} seconds={ticketShowsSeconds(t)} paused={t.sla_paused_at !== null} />
                    <SlaTargetBadges ticket={t} now={now} />
                    {t.sla_breached_at !== null && (
                      <>
                        {' '}
                        <span class="badge sla-breached sla-flag" title="The SLA monitor recorded the breach; the admins can see it.">
                          SLA breached
                        </span>
                      </>
                    )}
                    </Cell>
                    <td data-label="" class="actions">
                      <CloseControl ticket={t} csrf={csrf} now={now} />
                    </td>
                  </tr>
                ))}
            </DataTable>
          </div>
        )}
      </section>
      <section id="closed-tickets" aria-labelledby="closed-heading">
        <h2 id="closed-heading">Recently closed</h2>
        {closed.length === 0 ? (
          <EmptyState title="Nothing closed yet">Tickets you close are listed here.</EmptyState>
        ) : (
          <div class="table-scroll">
            <DataTable class="stack" columns={['Ticket', 'Priority', 'Closed', 'SLA']}>
                {closed.map((t) => (
                  <tr data-closed-ticket={referenceOf(t.id)}>
                    <TicketCells ticket={t} />
                    <Cell label="Closed">
                      <Time ms={t.closed_at ?? t.created_at} seconds={ticketShowsSeconds(t)} />
                    </Cell>
                    <Cell label="SLA">
                      <SlaBadge dueAt={t.sla_due_at} closedAt={t.closed_at} now={now} seconds={ticketShowsSeconds(t)} paused={t.sla_paused_at !== null} />
                    </Cell>
                  </tr>
                ))}
            </DataTable>
          </div>
        )}
      </section>
    </Layout>
  );
}
