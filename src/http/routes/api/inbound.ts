/**
 * POST /api/v1/inbound/email (§10): a mail server or a script hands in one raw message
 * (`Content-Type: message/rfc822`) with an admin token or an inbound-only token. Every mail gets a
 * result, `rejected` with its reason at worst. A mail over INBOUND_MAX_BYTES is handled from its
 * header only (services/inbound.ts) and answered 200 with its result like any other: it was
 * handled, and a 413 would tell a mail server to bounce it. A body past twice that is cut off
 * unread with a plain 413 (the limit that protects the process). Only a failing database answers 5xx (503: try again; nothing is lost, see
 * services/inbound.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INBOUND_RESULTS } from '../../../core/inbound.js';
import { oneLine } from '../../../core/mailSubject.js';
import { referenceOf } from '../../../core/tickets.js';
import type { ServiceContext } from '../../../services/context.js';
import { type InboundSetting, ingestMail } from '../../../services/inbound.js';
import type { TicketIntake } from '../../../services/intake.js';
import { ApiError, errorResponses } from '../../api-schemas.js';

export const InboundAnswer = z
  .object({
    result: z.enum(INBOUND_RESULTS as [string, ...string[]]).meta({ description: 'What became of the mail (§10, first matching rule)' }),
    ticket: z.string().nullable().meta({ description: 'HD-… of the ticket it created, was added to, or followed up; null otherwise' }),
    reason: z.string().nullable().meta({ description: 'Why, for ignored, duplicate, bounce, follow_up and rejected' }),
  })
  .meta({ id: 'InboundResult' });

/** Bodies up to this many times INBOUND_MAX_BYTES are read (to handle them from their header); larger ones are cut off with a plain 413. */
const READ_FACTOR = 2;

/**
 * Only a raw message is a mail: any other body (JSON, a form, none) is refused with 415 before it
 * is read, and nothing is recorded. (The API's JSON parser would otherwise hand the route an object,
 * which is no mail.) Runs after the token check, so a caller without the right token learns nothing.
 */
async function requireRawMail(request: FastifyRequest): Promise<void> {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'message/rfc822') throw Object.assign(new Error('Send the raw message with Content-Type: message/rfc822.'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  // A compressed body is not read here: read as it stands it was a mail without a sender, recorded
  // `rejected` and answered 200, so the sender took it as delivered and the mail was lost. A 415
  // (RFC 9110: a content coding the server does not take) tells it to send the message as it is.
  const encoding = String(request.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw Object.assign(new Error(`Send the raw message uncompressed: Content-Encoding ${oneLine(encoding).slice(0, 40)} is not read.`), { statusCode: 415, code: 'HD_CONTENT_ENCODING' });
  }
}

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
      onRequest: requireRawMail,
      schema: {
        tags: ['inbound'],
        summary: 'Deliver one received mail',
        description:
          'The body is the raw message as received (RFC 5322, `Content-Type: message/rfc822`). The mail is handled exactly once: ' +
          'sending it again answers `duplicate`. A mail larger than INBOUND_MAX_BYTES is handled from its header only (its ticket says its text and files were not read); ' +
          'a body larger than twice INBOUND_MAX_BYTES is refused with 413 and not recorded. ' +
          'Use an admin token or one made for inbound mail only (`npm run token:create -- --username U --inbound`).',
        security: [{ bearerAuth: [] }],
        consumes: ['message/rfc822'],
        body: z.any().meta({ description: 'The raw message', type: 'string', format: 'binary' } as Record<string, unknown>),
        response: {
          200: InboundAnswer.describe('The mail was handled (whatever its result: only a failing database is an error)'),
          // A body past what the route reads at all is cut off by the framework with the error shape.
          413: ApiError.describe('Larger than twice INBOUND_MAX_BYTES: not read, nothing recorded'),
          ...errorResponses(401, 403),
          415: ApiError.describe('The body is not sent as `Content-Type: message/rfc822`, or is compressed (a `Content-Encoding` other than identity)'),
          503: ApiError.describe('The database could not be reached: nothing is lost, deliver the mail again later'),
        },
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let outcome;
      try {
        outcome = await ingestMail(ctx, intake, setting, raw, 'http');
      } catch (error) {
        // ingestMail throws only when the database fails: the sender must try again (a mail server
        // retries a 5xx), and the mail, if recorded at all, is completed then. A 500 would say the
        // request itself was wrong for good.
        request.log.error({ err: error }, 'inbound mail could not be stored');
        return reply.code(503).header('retry-after', '60').send({ error: { code: 'unavailable', message: 'The mail could not be stored now; nothing is lost. Deliver it again later.' } });
      }
      const answer = { result: outcome.result, ticket: outcome.ticketId === null ? null : referenceOf(outcome.ticketId), reason: outcome.reason };
      return reply.code(200).send(answer);
    },
  );
}
