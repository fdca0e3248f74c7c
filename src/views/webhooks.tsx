/** `/adminapp/webhooks/`: endpoints events are POSTed to (§13), their form, secret and delivery log. */
import { ALL_EVENTS, eventsOfFilter, WAITING_COUNTED, WEBHOOK_EVENTS } from '../core/webhooks.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../db/schema.js';
import { referenceOf } from '../core/tickets.js';
import { ActionForm, CsrfField, DataTable, EmptyState, ErrorSummary, FieldGroup, FormKeyField, type FormErrors, type FormValues, TextField, Time, formTitle } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export const WEBHOOKS = '/adminapp/webhooks/';

interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

/** The form's values of a saved endpoint (events as the stored filter). */
export function endpointFormValues(endpoint: WebhookEndpointRow | null): FormValues {
  return endpoint ? { url: endpoint.url, events: endpoint.events, active: endpoint.active === 1 ? 'on' : '' } : { url: '', events: '', active: 'on' };
}

function EventsSummary({ filter }: { filter: string }) {
  return <span>{filter === ALL_EVENTS ? 'All events' : eventsOfFilter(filter).join(', ')}</span>;
}

function EndpointState({ endpoint }: { endpoint: WebhookEndpointRow }) {
  if (endpoint.active !== 1) return <span class="badge state-closed">{endpoint.disabled_at === null ? 'Off' : 'Disabled after failing'}</span>;
  if (endpoint.failing_since !== null) return <span class="badge state-pending">Failing</span>;
  return <span class="badge state-open">Active</span>;
}

export function WebhookListPage({ viewer, csrf, flash, endpoints }: PageBase & { endpoints: readonly WebhookEndpointRow[] }) {
  return (
    <Layout title="Webhooks" viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Webhooks</h1>
        <p>Endpoints that receive ticket and message events as signed JSON POSTs (Standard Webhooks), retried with backoff; one failing for a day is disabled and the admins emailed.</p>
      </hgroup>
      <p>
        <a href={`${WEBHOOKS}new/`} role="button">
          New endpoint
        </a>
      </p>
      {endpoints.length === 0 ? (
        <EmptyState title="No endpoints yet">Add one to send events to another system.</EmptyState>
      ) : (
        <div class="table-scroll">
          <DataTable id="webhooks" class="striped stack" columns={['URL', 'Events', 'State', 'Created']}>
            {endpoints.map((e) => (
              <tr data-endpoint={e.id}>
                <td data-label="URL" class="ticket-title">
                  <span>
                    <a href={`${WEBHOOKS}${e.id}/`}>{e.url}</a>
                  </span>
                </td>
                <td data-label="Events">
                  <EventsSummary filter={e.events} />
                </td>
                <td data-label="State">
                  <EndpointState endpoint={e} />
                </td>
                <td data-label="Created">
                  <span>
                    <Time ms={e.created_at} />
                  </span>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </Layout>
  );
}

function EndpointFields({ values, errors }: { values: FormValues; errors: FormErrors }) {
  const chosen = new Set(values.events?.split(',') ?? []);
  return (
    <>
      <TextField name="url" label="URL" values={values} errors={errors} required maxLength={2048} hint="http:// or https://, without a user name or password. Every request is signed with the endpoint’s secret." />
      <FieldGroup name="events" legend="Events" errors={errors} hint="“All events” includes events added in later versions.">
        <label>
          <input type="checkbox" name="events" value={ALL_EVENTS} checked={chosen.has(ALL_EVENTS)} /> All events
        </label>
        {WEBHOOK_EVENTS.map((event) => (
          <label>
            <input type="checkbox" name="events" value={event} checked={chosen.has(event)} /> <code>{event}</code>
          </label>
        ))}
      </FieldGroup>
      <fieldset>
        <label for="active">
          <input type="checkbox" id="active" name="active" value="on" checked={values.active === 'on'} role="switch" /> Active
        </label>
        {errors.active && <small class="field-error">{errors.active}</small>}
      </fieldset>
    </>
  );
}

/** Where the log's pages are: the deliveries before `olderBefore` (null: none older), and whether this page is an older one. */
interface LogPages {
  olderBefore: number | null;
  olderPage: boolean;
}

function DeliveryLog({ endpointId, deliveries, csrf, olderBefore, olderPage }: { endpointId: number; deliveries: readonly WebhookDeliveryRow[]; csrf: string } & LogPages) {
  if (deliveries.length === 0 && !olderPage) return <EmptyState title="No deliveries yet">Events this endpoint takes will be listed here.</EmptyState>;
  const path = `${WEBHOOKS}${endpointId}/`;
  return (
    <>
      <div class="table-scroll">
        <DataTable id="deliveries" class="striped stack" columns={['Event', 'Ticket', 'Status', 'Answer', 'Tries', 'Created', '']}>
          {deliveries.map((d) => (
            <tr data-delivery={d.id} data-status={d.status}>
              <td data-label="Event">
                <code>{d.event}</code>
              </td>
              <td data-label="Ticket">
                <span>{d.ticket_id === null ? '—' : <a href={`/admin/tickets/${d.ticket_id}/`}>{referenceOf(d.ticket_id)}</a>}</span>
              </td>
              <td data-label="Status">
                <span>
                  {d.status}
                  {d.status === 'pending' && d.attempts > 0 && (
                    <>
                      {' '}
                      <small>
                        (next try <Time ms={d.next_attempt_at} />)
                      </small>
                    </>
                  )}
                </span>
              </td>
              <td data-label="Answer">
                <span>
                  {d.response_status ?? '—'}
                  {d.last_error && <small class="field-error"> {d.last_error}</small>}
                </span>
              </td>
              <td data-label="Tries">
                <span>{d.attempts}</span>
              </td>
              <td data-label="Created">
                <span>
                  <Time ms={d.created_at} />
                </span>
              </td>
              <td data-label="">
                {(d.status === 'failed' || d.status === 'delivered' || (d.status === 'pending' && d.attempts > 0)) && (
                  <ActionForm action={`${WEBHOOKS}${endpointId}/deliveries/${d.id}/retry/`} csrf={csrf} class="secondary outline" label={d.status === 'pending' ? 'Retry now' : 'Retry'} ariaLabel={`Retry delivery ${d.id}${d.status === 'pending' ? ' now' : ''}`} />
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
      {(olderPage || olderBefore !== null) && (
        <nav aria-label="pages of the delivery log" class="pager">
          <ul>
            <li>{olderPage ? <a href={path} rel="prev">← Newest deliveries</a> : <span aria-disabled="true">← Newest deliveries</span>}</li>
          </ul>
          <ul>
            <li>{olderBefore !== null ? <a href={`${path}?before=${olderBefore}`} rel="next">Older deliveries →</a> : <span aria-disabled="true">Older deliveries →</span>}</li>
          </ul>
        </nav>
      )}
    </>
  );
}

export function WebhookFormPage({
  viewer,
  csrf,
  flash,
  endpoint,
  secret,
  deliveries,
  olderBefore,
  olderPage,
  waiting,
  historyDays,
  values,
  errors,
  formKey,
}: PageBase & LogPages & { endpoint: WebhookEndpointRow | null; formKey: string; secret: string | null; deliveries: readonly WebhookDeliveryRow[]; waiting: number; historyDays: number; values: FormValues; errors: FormErrors }) {
  const title = endpoint ? `Webhook: ${endpoint.url}` : 'New webhook endpoint';
  return (
    <Layout title={formTitle(title, errors, 'endpoint')} viewer={viewer} csrf={csrf} flash={flash}>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <a href={WEBHOOKS}>Webhooks</a>
          </li>
          <li>{endpoint ? `Endpoint ${endpoint.id}` : 'New'}</li>
        </ul>
      </nav>
      <h1>{endpoint ? 'Webhook endpoint' : 'New webhook endpoint'}</h1>
      {secret && (
        <article id="webhook-secret" aria-live="polite">
          <p>
            <strong>The signing secret, shown only this once.</strong> Give it to the receiving system now; it verifies each request’s <code>webhook-signature</code> with it.
          </p>
          <pre class="secret">
            <code>{secret}</code>
          </pre>
        </article>
      )}
      {endpoint && (
        <p>
          <EndpointState endpoint={endpoint} />
          {endpoint.failing_since !== null && (
            <small>
              {' '}
              Failing since <Time ms={endpoint.failing_since} />.
            </small>
          )}
        </p>
      )}
      <ErrorSummary errors={errors} />
      <form method="post" action={endpoint ? `${WEBHOOKS}${endpoint.id}/` : `${WEBHOOKS}new/`} novalidate>
        <CsrfField token={csrf} />
        {!endpoint && <FormKeyField value={formKey} />}
        <EndpointFields values={values} errors={errors} />
        <button type="submit">{endpoint ? 'Save' : 'Create endpoint'}</button>
      </form>
      {endpoint && (
        <>
          <h2>Deliveries</h2>
          {waiting > 0 && (
            <p id="waiting">
              {waiting >= WAITING_COUNTED ? `At least ${WAITING_COUNTED.toLocaleString('en')} events wait` : waiting === 1 ? '1 event waits' : `${waiting} events wait`} to be sent; each is listed here once tried.
            </p>
          )}
          <DeliveryLog endpointId={endpoint.id} deliveries={deliveries} csrf={csrf} olderBefore={olderBefore} olderPage={olderPage} />
          <p id="history">
            <small>Delivered and failed tries are kept for {historyDays === 1 ? '1 day' : `${historyDays} days`} (WEBHOOKS_HISTORY_DAYS); tries still to be retried stay until settled.</small>
          </p>
          <ActionForm action={`${WEBHOOKS}${endpoint.id}/secret/`} csrf={csrf} class="secondary outline" label="New signing secret" confirm="Make a new signing secret? The current one stops signing at once, so the receiver refuses our requests until it has the new one." note="The old secret stops signing at once; the new one is shown once." />
          <ActionForm action={`${WEBHOOKS}${endpoint.id}/delete/`} csrf={csrf} class="secondary outline" label="Delete this endpoint" confirm="Delete this endpoint and its delivery log? This cannot be undone." note="Its delivery log goes with it." />
        </>
      )}
    </Layout>
  );
}
