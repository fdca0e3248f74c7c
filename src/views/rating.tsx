/**
 * The customer's rating page (§13): the page the closed email's Good and Bad links open. A GET
 * only shows a one-click confirm form (mail scanners follow links, so opening it records
 * nothing); its button POSTs the rating, with an optional comment.
 */
import { CSAT_SCORES, type CsatScore, MAX_CSAT_COMMENT, RATING_LABELS, ratingChangeableUntil, ratingDecision } from '../core/csat.js';
import { referenceOf } from '../core/tickets.js';
import type { TicketRow } from '../db/schema.js';
import { CsrfField, ErrorSummary, type FormErrors, type FormValues, TextArea, Time } from './components.js';
import { type Flash, Layout } from './layout.js';

/** A score in words, as the customer and staff read it. */
export const SCORE_WORDS: Record<CsatScore, string> = { good: 'Good', bad: 'Bad' };

export interface RatingPageProps {
  ticket: TicketRow;
  /** Where the form posts (the page's own address). */
  action: string;
  /** The score the link chose (preselected); values.score wins when the form comes back. */
  score: CsatScore | null;
  now: number;
  csrf: string;
  flash?: Flash | null;
  values?: FormValues;
  errors?: FormErrors;
}

export function RatingPage({ ticket, action, score, now, csrf, flash = null, values = {}, errors = {} }: RatingPageProps) {
  const reference = referenceOf(ticket.id);
  const decision = ratingDecision(ticket, now);
  const chosen = values.score ?? score ?? ticket.csat_score ?? '';
  const until = ratingChangeableUntil(ticket.closed_at);
  return (
    <Layout title={`Rate request ${reference}`} flash={flash}>
      <hgroup>
        <h1>How did we do?</h1>
        <p>
          Your request {reference}: <bdi>{ticket.title}</bdi>
        </p>
      </hgroup>
      {ticket.csat_score !== null && (
        <p data-current-rating={ticket.csat_score}>
          You rated it <strong>{SCORE_WORDS[ticket.csat_score]}</strong>
          {ticket.csat_rated_at !== null && (
            <>
              {' '}
              on <Time ms={ticket.csat_rated_at} />
            </>
          )}
          .{decision.kind === 'change' && until !== null && (
            <>
              {' '}
              You can change it until <Time ms={until} />.
            </>
          )}
        </p>
      )}
      {decision.kind === 'refused' ? (
        <p data-rating-closed>{decision.reason === 'open' ? 'This request is still open: you can rate it once it is closed.' : 'Ratings can be changed for 7 days after the request is closed, so this one stays as it is. Thank you!'}</p>
      ) : (
        <>
          <ErrorSummary errors={errors} />
          <form method="post" action={action} novalidate>
            <CsrfField token={csrf} />
            <fieldset aria-invalid={errors.score ? 'true' : undefined}>
              <legend>{RATING_LABELS.score}</legend>
              {CSAT_SCORES.map((s, i) => (
                <label>
                  <input type="radio" id={i === 0 ? 'score' : undefined} name="score" value={s} checked={chosen === s} /> {SCORE_WORDS[s]}
                </label>
              ))}
              {errors.score && <small class="field-error">{errors.score}</small>}
            </fieldset>
            <TextArea name="comment" label={`${RATING_LABELS.comment} (optional)`} values={{ comment: ticket.csat_comment ?? '', ...values }} errors={errors} maxLength={MAX_CSAT_COMMENT} hint="Anything you want us to know." />
            <button type="submit">{ticket.csat_score === null ? 'Send my rating' : 'Change my rating'}</button>
          </form>
        </>
      )}
    </Layout>
  );
}

/**
 * The rating as staff read it on a closed ticket's facts (agent and admin pages): the score, when,
 * and the comment; "not rated" until the customer answers. Nothing on an open ticket.
 */
export function RatingFacts({ ticket }: { ticket: Pick<TicketRow, 'status' | 'csat_score' | 'csat_comment' | 'csat_rated_at'> }) {
  if (ticket.status !== 'closed') return null;
  return (
    <>
      <dt>Customer rating</dt>
      <dd id="csat-rating" data-csat={ticket.csat_score ?? 'none'}>
        {ticket.csat_score === null ? (
          'Not rated'
        ) : (
          <>
            <strong>{SCORE_WORDS[ticket.csat_score]}</strong>
            {ticket.csat_rated_at !== null && (
              <>
                {' '}
                <small>
                  <Time ms={ticket.csat_rated_at} />
                </small>
              </>
            )}
            {ticket.csat_comment !== null && <blockquote class="csat-comment">{ticket.csat_comment}</blockquote>}
          </>
        )}
      </dd>
    </>
  );
}
