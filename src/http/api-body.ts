/**
 * A JSON body whose fields the schema types and the core rules (settings, forecast, teams, topics).
 * Its route sets `attachValidation: true`, so that a field of the wrong type does not hide the
 * other fields' problems: the type errors come with the body left without those fields, and the
 * route hands both to its service, which answers every problem in one 400.
 */
import type { FastifyRequest } from 'fastify';
import { type FieldErrors, isRecord, withoutPaths } from '../core/checked.js';
import { DomainError } from '../core/errors.js';

export function partlyTypedBody(request: FastifyRequest): { body: Record<string, unknown>; typeErrors: FieldErrors } {
  const refused = request.validationError;
  if (!refused) return { body: request.body as Record<string, unknown>, typeErrors: {} };
  // A body that is no object (or a refused path parameter) has nothing else to check.
  if (refused.validationContext !== 'body' || !(refused instanceof DomainError) || !isRecord(request.body)) throw refused;
  return { body: withoutPaths(request.body, Object.keys(refused.fields)), typeErrors: refused.fields };
}
