import { humanSpan } from '../core/sla.js';
import { referenceOf } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import { CsrfField, EmptyState, type FormValues, PriorityBadge, SlaBadge, TextField, Time } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export function LoginPage({ values, error, next, csrf }: { values: FormValues; error: string | null; next: string; csrf: string }) {
  return (
    <Layout title="Staff login">
      <article class="narrow">
        <h1>Staff login</h1>
        {error && (
          <p class="flash flash-error" role="alert">
            {error}
          </p>
        )}
        <form method="post" action="/agents/login/">
          <CsrfField token={csrf} />
          <input type="hidden" name="next" value={next} />
          <TextField name="username" label="Username" values={values} errors={{}} required autocomplete="username" />
          <TextField name="password" label="Password" type="password" values={{}} errors={{}} required autocomplete="current-password" />
          <button type="submit">Log in</button>
        </form>
      </article>
    </Layout>
  );
}

const PRESENCE_TEXT = { available: 'Available — receiving tickets', away: 'Away — not receiving new tickets', offline: 'Offline' } as const;

function PresenceToggle({ viewer, csrf }: { viewer: Viewer; csrf: string }) {
  const next = viewer.presence === 'available' ? 'away' : 'available';
  return (
    <form method="post" action="/agents/availability/" class="presence">
      <CsrfField token={csrf} />
      <input type="hidden" name="status" value={next} />
      <span class={`badge presence-${viewer.presence}`} id="presence" data-presence={viewer.presence}>
        {PRESENCE_TEXT[viewer.presence]}
      </span>{' '}
      <button type="submit" class={next === 'away' ? 'secondary' : ''}>
        {next === 'away' ? 'Set away' : 'Set available'}
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
}

export function AgentDashboardPage({ viewer, csrf, flash, open, closed, capacity, now }: AgentDashboardProps) {
  return (
    <Layout title="My tickets" viewer={viewer} csrf={csrf} flash={flash} scripts={['agent-dashboard.js']}>
      <hgroup>
        <h1>My tickets</h1>
        <p id="open-summary">
          {open.length} of {capacity} open · most urgent deadline first
        </p>
      </hgroup>
      <PresenceToggle viewer={viewer} csrf={csrf} />
      <section id="open-tickets" aria-labelledby="open-heading">
        <h2 id="open-heading">Open</h2>
        {open.length === 0 ? (
          <EmptyState>No open tickets. {viewer.presence === 'available' ? 'New ones arrive here by themselves.' : 'Set yourself available to receive tickets.'}</EmptyState>
        ) : (
          <div class="table-scroll">
            <table class="striped">
              <thead>
                <tr>
                  <th scope="col">Ticket</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Age</th>
                  <th scope="col">SLA</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {open.map((t) => (
                  <tr data-ticket={referenceOf(t.id)} data-breached={t.sla_breached_at !== null ? 'true' : undefined}>
                    <td>
                      <strong>{referenceOf(t.id)}</strong> {t.title}
                    </td>
                    <td>
                      <PriorityBadge priority={t.priority} />
                    </td>
                    <td>
                      {t.customer_name}
                      <br />
                      <small>{t.customer_email}</small>
                    </td>
                    <td>{humanSpan(now - t.created_at)}</td>
                    <td>
                      <SlaBadge dueAt={t.sla_due_at} now={now} />
                      {t.sla_breached_at !== null && (
                        <>
                          {' '}
                          <span class="badge sla-breached sla-flag" title="The SLA monitor recorded the breach; the admins can see it.">
                            SLA breached
                          </span>
                        </>
                      )}
                    </td>
                    <td>
                      <form method="post" action={`/agents/tickets/${t.id}/close/`}>
                        <CsrfField token={csrf} />
                        <button type="submit" class="small" aria-label={`Close ${referenceOf(t.id)}`}>
                          Close
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="closed-heading">
        <h2 id="closed-heading">Recently closed</h2>
        {closed.length === 0 ? (
          <EmptyState>Nothing closed yet.</EmptyState>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Ticket</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Closed</th>
                  <th scope="col">SLA</th>
                </tr>
              </thead>
              <tbody>
                {closed.map((t) => (
                  <tr>
                    <td>
                      <strong>{referenceOf(t.id)}</strong> {t.title}
                    </td>
                    <td>
                      <PriorityBadge priority={t.priority} />
                    </td>
                    <td>
                      <Time ms={t.closed_at ?? t.created_at} />
                    </td>
                    <td>
                      <SlaBadge dueAt={t.sla_due_at} closedAt={t.closed_at} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}
