import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseCsatScore, validateRating } from '../../core/csat.js';
import { DomainError, invalidInput } from '../../core/errors.js';
import type { TicketRow } from '../../db/schema.js';
import type { ServiceContext } from '../../services/context.js';
import { assertRateable, rateTicket, ratingPath, ticketOfRatingToken } from '../../services/csat.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import { RatingPage } from '../../views/rating.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, sendHtml } from '../forms.js';
import type { RouteLimits } from '../rateLimits.js';

type RatingRequest = { Params: { token: string } };

/**
 * The customer's rating (§13), from the closed email's links: GET shows the one-click confirm form
 * and writes nothing (mail scanners follow links); POST records the rating (CSRF-checked like every
 * public form: the GET set the cookie), rate-limited per client address like the other public forms
 * (rateLimits.ts). A forged or unknown token is a 404, an open ticket, a score
 * other than good or bad, a comment over its limit or a change after the 7 days a 400; nothing is
 * written then.
 */
export function ratingRoutes(app: FastifyInstance, ctx: ServiceContext, limits: Pick<RouteLimits, 'rating'>): void {
  app.get<RatingRequest & { Querystring: { score?: unknown } }>('/tickets/rate/:token/', async (request, reply) => {
    const ticket = await ticketOfRatingToken(ctx.handle.db, request.params.token);
    const raw = request.query.score;
    const score = raw === undefined || raw === '' ? null : parseCsatScore(raw);
    if (raw !== undefined && raw !== '' && score === null) throw invalidInput({ score: 'Rating: choose good or bad.' }, 'This rating link is broken: its score must be good or bad. Use a link from your email.');
    assertOpenForRating(ticket, ctx.clock.now());
    return sendRatingPage(ctx, request, reply, ticket, { score });
  });

  app.post<RatingRequest>('/tickets/rate/:token/', { onRequest: limits.rating, preHandler: app.csrfProtection }, async (request, reply) => {
    const ticket = await ticketOfRatingToken(ctx.handle.db, request.params.token);
    const body = formBody(request.body);
    let input;
    try {
      input = validateRating(body);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'invalid_input') throw error;
      return sendRatingPage(ctx, request, reply, ticket, { score: null, values: keptValues(body, ['score', 'comment']), errors: error.fields, status: 400 });
    }
    const { kind } = await rateTicket(ctx, request.params.token, input);
    // The same rating sent again (a resubmitted form) changed nothing, and says it is recorded.
    setFlash(reply, { kind: 'success', message: kind === 'change' ? 'Thank you! Your rating is changed.' : 'Thank you! Your rating is recorded.' });
    return reply.redirect(ratingPath(request.params.token), 303);
  });
}

/** An open ticket cannot be rated (400); a settled rating still shows, without its form. */
function assertOpenForRating(ticket: TicketRow, now: number): void {
  if (ticket.status !== 'closed') assertRateable(ticket, now);
}

interface RatingPageState {
  score: ReturnType<typeof parseCsatScore>;
  values?: FormValues;
  errors?: FormErrors;
  status?: number;
}

function sendRatingPage(ctx: ServiceContext, request: FastifyRequest<RatingRequest>, reply: FastifyReply, ticket: TicketRow, state: RatingPageState): FastifyReply {
  reply.header('cache-control', 'no-store');
  const page = RatingPage({
    ticket,
    action: ratingPath(request.params.token),
    score: state.score,
    now: ctx.clock.now(),
    csrf: reply.generateCsrf(),
    flash: takeFlash(request, reply),
    ...(state.values ? { values: state.values } : {}),
    ...(state.errors ? { errors: state.errors } : {}),
  });
  return sendHtml(reply, renderPage(page), state.status ?? 200);
}
