/**
 * POST /api/v1/inbound/email (§10): a mail server or a script hands in one raw message
 * (`Content-Type: message/rfc822`) with an admin token or an inbound-only token. Every mail gets a
 * result, `rejected` with its reason at worst; a mail over INBOUND_MAX_BYTES is recorded, rejected
 * and answered 413. Only a failing database answers 5xx (503: try again; nothing is lost, see
 * services/inbound.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INBOUND_RESULTS } from '../../../core/inbound.js';
import { referenceOf } from '../../../core/tickets.js';
import type { ServiceContext } from '../../../services/context.js';
import { type InboundSetting, ingestMail } from '../../../services/inbound.js';
import type { TicketIntake } from '../../../services/intake.js';
import { errorResponses } from '../../api-schemas.js';

export const InboundAnswer = z
  .object({
    result: z.enum(INBOUND_RESULTS as [string, ...string[]]).meta({ description: 'What became of the mail (§10, first matching rule)' }),
    ticket: z.string().nullable().meta({ description: 'HD-… of the ticket it created, was added to, or followed up; null otherwise' }),
    reason: z.string().nullable().meta({ description: 'Why, for ignored, duplicate, bounce, follow_up and rejected' }),
  })
  .meta({ id: 'InboundResult' });

/** Bodies up to this many times INBOUND_MAX_BYTES are read (to record the refusal); larger ones are cut off with a plain 413. */
const READ_FACTOR = 2;

/** The inbound route; behind requireBearer (the route's config lets inbound-only tokens in). */
export function inboundApiRoutes(app: FastifyInstance, ctx: ServiceContext, intake: TicketIntake, setting: InboundSetting): void {
  const bodyLimit = setting.maxBytes * READ_FACTOR;
  app.addContentTypeParser('message/rfc822', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/inbound/email',
    {
      bodyLimit,
      config: { inboundMail: true },
      schema: {
        tags: ['inbound'],
        summary: 'Deliver one received mail',
        description:
          'The body is the raw message as received (RFC 5322, `Content-Type: message/rfc822`). The mail is handled exactly once: ' +
          'sending it again answers `duplicate`. A mail larger than INBOUND_MAX_BYTES is recorded and answered 413 with result `rejected`. ' +
          'Use an admin token or one made for inbound mail only (`npm run token:create -- --username U --inbound`).',
        security: [{ bearerAuth: [] }],
        consumes: ['message/rfc822'],
        body: z.any().meta({ description: 'The raw message', type: 'string', format: 'binary' } as Record<string, unknown>),
        response: { 200: InboundAnswer, 413: InboundAnswer, ...errorResponses(401, 403, 415, 503) },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome = await ingestMail(ctx, intake, setting, raw, 'http');
      const answer = { result: outcome.result, ticket: outcome.ticketId === null ? null : referenceOf(outcome.ticketId), reason: outcome.reason };
      return reply.code(raw.length > setting.maxBytes ? 413 : 200).send(answer);
    },
  );
}
