/**
 * What admins do to webhook endpoints (SPEC §13), for the pages and the API alike: create (the
 * secret is made here and returned this once), change, delete, a new secret, and retry a delivery.
 * Input is checked by the core (parseEndpoint) first; a refusal writes nothing. Each change is
 * audited in its transaction, never with the secret (§15).
 */
import { randomBytes } from 'node:crypto';
import type { FieldErrors } from '../core/checked.js';
import { invalidInput, notFound } from '../core/errors.js';
import { parseId } from '../core/tickets.js';
import { ENDPOINT_LABELS, type EndpointInput, isHostName, parseEndpoint, resolvedUnreachable } from '../core/webhooks.js';
import type { Db } from '../db/connect.js';
import type { WebhookEndpointRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { findDelivery, retryDelivery } from '../repositories/webhookDeliveries.js';
import { deleteEndpoint, findEndpoint, insertEndpoint, setEndpointSecret, updateEndpoint } from '../repositories/webhooks.js';
import { type Acting, auditBy } from './audit.js';
import { type Keyed, oncePerFormKey } from './formReceipts.js';
import { resolveNow } from '../webhooks/resolve.js';
import type { ServiceContext } from './context.js';

/** The id of an endpoint (or a delivery) as a URL names it; anything else is not found (404). */
export function webhookIdOf(raw: string, what = 'Webhook endpoint'): number {
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The endpoint parseEndpoint reads from `raw`, or one invalid_input naming every problem: its own
 * and `typeErrors`, the fields an API schema refused (and left out of `raw`), whose messages win.
 */
function checked(raw: Record<string, unknown>, allowPrivate: boolean, typeErrors: FieldErrors = {}) {
  const result = parseEndpoint(raw, allowPrivate);
  const fields = { ...(result.ok ? {} : result.fields), ...typeErrors };
  if (!result.ok || Object.keys(fields).length > 0) throw invalidInput(fields);
  return result.value;
}

/** How long a save waits for its URL's host to resolve. */
const SAVE_LOOKUP_MS = 3_000;

/**
 * `checked`, and then a host name resolved now: refused (as a written-out address would be) when
 * any address it resolves to may not receive deliveries. Outside any transaction. Deliveries
 * check again, as DNS can change.
 */
async function checkedAndResolved(raw: Record<string, unknown>, allowPrivate: boolean, typeErrors: FieldErrors = {}): Promise<EndpointInput> {
  const input = checked(raw, allowPrivate, typeErrors);
  const host = new URL(input.url).hostname;
  if (isHostName(host)) {
    const refused = resolvedUnreachable(host, await resolveNow(host, SAVE_LOOKUP_MS), allowPrivate);
    if (refused) throw invalidInput({ url: `${ENDPOINT_LABELS.url}: ${refused}` });
  }
  return input;
}

/** An endpoint as the audit log records it: never its secret. */
const audited = (row: WebhookEndpointRow) => ({ url: row.url, events: row.events, active: row.active === 1 });

/** The endpoint `id` inside `trx`, or 404. */
async function existing(trx: Db, id: number): Promise<WebhookEndpointRow> {
  const row = await findEndpoint(trx, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

/** A new endpoint with a new secret; the secret is in the row returned and never shown again. */
export async function createEndpoint(ctx: ServiceContext, by: Acting, raw: Record<string, unknown>, allowPrivate: boolean, typeErrors: FieldErrors = {}): Promise<WebhookEndpointRow> {
  const input = await checkedAndResolved(raw, allowPrivate, typeErrors);
  return inTransaction(ctx.handle, (trx) => makeEndpoint(trx, by, input, ctx.clock.now()));
}

/** The same from the page's form: once per form key (a reload of the answer makes no second endpoint). */
export async function createEndpointFromForm(ctx: ServiceContext, by: Acting, raw: Record<string, unknown>, allowPrivate: boolean, formKey: string | null): Promise<Keyed<WebhookEndpointRow>> {
  const input = await checkedAndResolved(raw, allowPrivate);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, (trx) => oncePerFormKey(trx, formKey, 'webhook', now, () => makeEndpoint(trx, by, input, now)));
}

async function makeEndpoint(trx: Db, by: Acting, input: ReturnType<typeof checked>, now: number): Promise<WebhookEndpointRow> {
  const row = await insertEndpoint(trx, { ...input, secret: newWebhookSecret(), now });
  await auditBy(trx, by, now, 'webhook.create', `webhook:${row.id}`, { after: audited(row) });
  return row;
}

/** Changes an endpoint's URL, events and switch (its secret stays); 404 when it is gone. */
export async function saveEndpoint(ctx: ServiceContext, by: Acting, id: number, raw: Record<string, unknown>, allowPrivate: boolean, typeErrors: FieldErrors = {}): Promise<WebhookEndpointRow> {
  const input = await checkedAndResolved(raw, allowPrivate, typeErrors);
  return inTransaction(ctx.handle, async (trx) => {
    const before = await existing(trx, id);
    const saved = (await updateEndpoint(trx, id, input))!;
    await auditBy(trx, by, ctx.clock.now(), 'webhook.update', `webhook:${id}`, { before: audited(before), after: audited(saved) });
    return saved;
  });
}

/**
 * Gives an endpoint a new signing secret (the old one stops signing at once); returns the endpoint
 * with it, shown this once. 404 when it is gone. The audit entry says so, without either secret.
 */
export async function rotateEndpointSecret(ctx: ServiceContext, by: Acting, id: number): Promise<WebhookEndpointRow> {
  return inTransaction(ctx.handle, async (trx) => {
    await existing(trx, id);
    const saved = (await setEndpointSecret(trx, id, newWebhookSecret()))!;
    await auditBy(trx, by, ctx.clock.now(), 'webhook.secret_rotate', `webhook:${id}`);
    return saved;
  });
}

/** Deletes an endpoint and its log; 404 when it is gone. */
export async function removeEndpoint(ctx: ServiceContext, by: Acting, id: number): Promise<void> {
  await inTransaction(ctx.handle, async (trx) => {
    const before = await existing(trx, id);
    await deleteEndpoint(trx, id);
    await auditBy(trx, by, ctx.clock.now(), 'webhook.delete', `webhook:${id}`, { before: audited(before) });
  });
}

/**
 * An admin's retry: a failed (or delivered) delivery of the endpoint goes out again, due now, with
 * its webhook-id and body unchanged; one waiting for a later try is tried now. False when it is due
 * already or being sent; 404 when the endpoint or the delivery does not exist.
 */
export async function retryWebhookDelivery(ctx: ServiceContext, by: Acting, endpointId: number, deliveryId: number): Promise<{ retried: boolean; endpointOn: boolean }> {
  const db = ctx.handle.db;
  const now = ctx.clock.now();
  const retried = await inTransaction(ctx.handle, async (trx) => {
    if (!(await retryDelivery(trx, endpointId, deliveryId, now))) return false;
    await auditBy(trx, by, now, 'webhook.retry', `webhook:${endpointId}`, { after: { delivery: deliveryId } });
    return true;
  });
  const endpoint = await findEndpoint(db, endpointId);
  if (!endpoint) throw notFound('Webhook endpoint');
  if (!retried && !(await findDelivery(db, endpointId, deliveryId))) throw notFound('Delivery');
  return { retried, endpointOn: endpoint.active === 1 };
}
