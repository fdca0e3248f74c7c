/**
 * What admins do to webhook endpoints (SPEC §13), for the pages and the API alike: create (the
 * secret is made here and returned this once), change, delete, and retry a delivery. Input is
 * checked by the core (parseEndpoint) first; a refusal writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { invalidInput, notFound } from '../core/errors.js';
import { parseId } from '../core/tickets.js';
import { parseEndpoint } from '../core/webhooks.js';
import type { WebhookEndpointRow } from '../db/schema.js';
import { deleteEndpoint, findDelivery, findEndpoint, insertEndpoint, retryDelivery, updateEndpoint } from '../repositories/webhooks.js';
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

function checked(raw: Record<string, unknown>, allowPrivate: boolean) {
  const result = parseEndpoint(raw, allowPrivate);
  if (!result.ok) throw invalidInput(result.fields ?? {});
  return result.value;
}

/** A new endpoint with a new secret; the secret is in the row returned and never shown again. */
export async function createEndpoint(ctx: ServiceContext, raw: Record<string, unknown>, allowPrivate: boolean): Promise<WebhookEndpointRow> {
  const input = checked(raw, allowPrivate);
  return insertEndpoint(ctx.handle.db, { ...input, secret: newWebhookSecret(), now: ctx.clock.now() });
}

/** Changes an endpoint's URL, events and switch (its secret stays); 404 when it is gone. */
export async function saveEndpoint(ctx: ServiceContext, id: number, raw: Record<string, unknown>, allowPrivate: boolean): Promise<WebhookEndpointRow> {
  const input = checked(raw, allowPrivate);
  const saved = await updateEndpoint(ctx.handle.db, id, input);
  if (!saved) throw notFound('Webhook endpoint');
  return saved;
}

/** Deletes an endpoint and its log; 404 when it is gone. */
export async function removeEndpoint(ctx: ServiceContext, id: number): Promise<void> {
  if (!(await deleteEndpoint(ctx.handle.db, id))) throw notFound('Webhook endpoint');
}

/**
 * An admin's retry: a failed (or delivered) delivery of the endpoint goes out again, due now, with
 * its webhook-id and body unchanged. False when it is already waiting or being sent; 404 when the
 * endpoint or the delivery does not exist.
 */
export async function retryWebhookDelivery(ctx: ServiceContext, endpointId: number, deliveryId: number): Promise<boolean> {
  const db = ctx.handle.db;
  if (await retryDelivery(db, endpointId, deliveryId, ctx.clock.now())) return true;
  if (!(await findEndpoint(db, endpointId))) throw notFound('Webhook endpoint');
  if (!(await findDelivery(db, endpointId, deliveryId))) throw notFound('Delivery');
  return false;
}
