/**
 * Webhook endpoints (§13) at `/adminapp/webhooks/`: the list, a new endpoint (its secret shown on
 * the answer to the creating POST, once), edit with the delivery log and its retry, a new secret
 * (shown once likewise), delete. Admin
 * only; every POST checks the CSRF token; a refused save shows the form again with the admin's text
 * and a message by each field (400), writing nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidInput, notFound } from '../../core/errors.js';
import { parseId } from '../../core/tickets.js';
import type { WebhookEndpointRow } from '../../db/schema.js';
import { deliveriesOf } from '../../repositories/webhookDeliveries.js';
import { findEndpoint, listEndpoints } from '../../repositories/webhooks.js';
import type { ServiceContext } from '../../services/context.js';
import { createEndpointFromForm, removeEndpoint, retryWebhookDelivery, rotateEndpointSecret, saveEndpoint, webhookIdOf } from '../../services/webhookEndpoints.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { endpointFormValues, WEBHOOKS, WebhookFormPage, WebhookListPage } from '../../views/webhooks.js';
import { waitingInLane } from '../../repositories/webhookLanes.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, newFormKey, sendHtml } from '../forms.js';
import { FORM_KEY_FIELD, formKeyOf } from '../../core/formReceipts.js';
import { actingOf } from '../acting.js';
import { adminOnly } from '../session.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** The deliveries a page shows, newest first. */
const LOG_SHOWN = 50;

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

/** The form's fields as the service takes them: no box ticked is no event; an unticked switch is off. */
function endpointFields(body: Record<string, unknown>): Record<string, unknown> {
  return { url: body.url, events: body.events ?? [], active: body.active === 'on' };
}

/** The admin's text to show again (events as a comma list, as endpointFormValues has them). */
function keptEndpointValues(body: Record<string, unknown>): FormValues {
  const events = Array.isArray(body.events) ? body.events.filter((e) => typeof e === 'string') : typeof body.events === 'string' ? [body.events] : [];
  return { url: typeof body.url === 'string' ? body.url : '', events: events.join(','), active: body.active === 'on' ? 'on' : '' };
}

/** `historyDays`: how long the log keeps settled tries (WEBHOOKS_HISTORY_DAYS), said on each endpoint's page. */
export function webhookRoutes(app: FastifyInstance, ctx: ServiceContext, { allowPrivate, historyDays }: { allowPrivate: boolean; historyDays: number }): void {
  const db = ctx.handle.db;

  const page = async (request: FastifyRequest, reply: FastifyReply, endpoint: WebhookEndpointRow | null, options: { values?: FormValues; errors?: FormErrors; status?: number; secret?: string; flash?: Flash | null; before?: number } = {}) => {
    // One more than a page tells whether older deliveries exist without counting the log.
    const rows = endpoint ? await deliveriesOf(db, endpoint.id, { limit: LOG_SHOWN + 1, ...(options.before === undefined ? {} : { beforeId: options.before }) }) : [];
    const deliveries = rows.slice(0, LOG_SHOWN);
    // Events its lane has not posted yet are not in the log: the page counts them.
    const waiting = endpoint ? await waitingInLane(ctx.handle, endpoint.id) : 0;
    const status = options.status ?? 200;
    const html = renderPage(
      WebhookFormPage({
        viewer: request.viewer!,
        csrf: reply.generateCsrf(),
        flash: options.flash ?? (status === 200 ? takeFlash(request, reply) : null),
        endpoint,
        secret: options.secret ?? null,
        deliveries,
        olderBefore: rows.length > LOG_SHOWN ? deliveries.at(-1)!.id : null,
        olderPage: options.before !== undefined,
        waiting,
        historyDays,
        formKey: newFormKey(),
        values: options.values ?? endpointFormValues(endpoint),
        errors: options.errors ?? {},
      }),
    );
    return sendHtml(reply, html, status);
  };

  const endpointOf = async (request: IdRequest) => {
    const endpoint = await findEndpoint(db, webhookIdOf(request.params.id));
    if (!endpoint) throw notFound('Webhook endpoint');
    return endpoint;
  };

  app.register(async (admin) => {
    adminOnly(admin);

    admin.get(WEBHOOKS, async (request, reply) =>
      sendHtml(reply, renderPage(WebhookListPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), endpoints: await listEndpoints(db) }))),
    );

    admin.get(`${WEBHOOKS}new/`, async (request, reply) => page(request, reply, null));
    admin.post(`${WEBHOOKS}new/`, { preHandler: app.csrfProtection, config: { formLists: ['events'] } }, async (request, reply) => {
      const body = formBody(request.body);
      try {
        const created = await createEndpointFromForm(ctx, actingOf(request), endpointFields(body), allowPrivate, formKeyOf(body[FORM_KEY_FIELD]));
        // The secret is in this answer only: no redirect (a flash would keep it in a cookie).
        if ('made' in created) return page(request, reply, created.made, { secret: created.made.secret, flash: { kind: 'success', message: 'Endpoint created. Copy its secret now: it is not shown again.' } });
        // The form sent again (a reload of the answer): no second endpoint, and its secret is not shown again.
        const first = created.again && (await findEndpoint(db, created.again.id));
        setFlash(
          reply,
          first
            ? { kind: 'info', message: 'This form was already sent: the endpoint was created then, and its secret shown once, on that answer. If it was not copied, make a new secret below.' }
            : { kind: 'info', message: 'This form was already sent, and the endpoint it created is no longer there.' },
        );
        return reply.redirect(first ? `${WEBHOOKS}${first.id}/` : WEBHOOKS, 303);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        return page(request, reply, null, { values: keptEndpointValues(body), errors: error.fields, status: 400 });
      }
    });

    admin.get(`${WEBHOOKS}:id/`, async (request: IdRequest, reply) => {
      const endpoint = await endpointOf(request);
      const raw = (request.query as { before?: unknown }).before;
      if (raw === undefined) return page(request, reply, endpoint);
      const before = typeof raw === 'string' ? parseId(raw) : null;
      if (before === null) throw invalidInput({ before: 'Not a delivery id.' }, 'This page of the delivery log does not exist: `before` must be a delivery id.');
      return page(request, reply, endpoint, { before });
    });
    admin.post<{ Params: { id: string } }>(`${WEBHOOKS}:id/`, { preHandler: app.csrfProtection, config: { formLists: ['events'] } }, async (request: IdRequest, reply) => {
      const endpoint = await endpointOf(request);
      const body = formBody(request.body);
      try {
        await saveEndpoint(ctx, actingOf(request), endpoint.id, endpointFields(body), allowPrivate);
        setFlash(reply, { kind: 'success', message: 'Endpoint saved.' });
        return reply.redirect(`${WEBHOOKS}${endpoint.id}/`, 303);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        return page(request, reply, endpoint, { values: keptEndpointValues(body), errors: error.fields, status: 400 });
      }
    });

    admin.post<{ Params: { id: string } }>(`${WEBHOOKS}:id/secret/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      const rotated = await rotateEndpointSecret(ctx, actingOf(request), webhookIdOf(request.params.id));
      // As on creation: the secret is in this answer only.
      return page(request, reply, rotated, { secret: rotated.secret, flash: { kind: 'success', message: 'New secret made; the old one no longer signs. Copy it now: it is not shown again.' } });
    });

    admin.post<{ Params: { id: string } }>(`${WEBHOOKS}:id/delete/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      await removeEndpoint(ctx, actingOf(request), webhookIdOf(request.params.id));
      setFlash(reply, { kind: 'success', message: 'Endpoint deleted.' });
      return reply.redirect(WEBHOOKS, 303);
    });

    admin.post<{ Params: { id: string; delivery: string } }>(`${WEBHOOKS}:id/deliveries/:delivery/retry/`, { preHandler: app.csrfProtection }, async (request, reply) => {
      const id = webhookIdOf(request.params.id);
      const { retried, endpointOn } = await retryWebhookDelivery(ctx, actingOf(request), id, webhookIdOf(request.params.delivery, 'Delivery'));
      setFlash(reply, retryFlash(retried, endpointOn));
      return reply.redirect(`${WEBHOOKS}${id}/`, 303);
    });
  });
}

/** What the page says after a Retry: an endpoint that is off sends nothing until it is turned on. */
function retryFlash(retried: boolean, endpointOn: boolean): { kind: 'success' | 'info'; message: string } {
  const off = endpointOn ? '' : ' The endpoint is off: it is sent once the endpoint is turned on again.';
  return retried ? { kind: endpointOn ? 'success' : 'info', message: `Delivery queued to be sent again.${off}` } : { kind: 'info', message: `That delivery is already due or being sent.${off}` };
}
