/**
 * Customer satisfaction (§13): the rules of a rating, pure.
 *
 * A closed ticket's customer rates it good or bad from the link in the closed email, with an
 * optional comment. One rating per ticket: a later rating replaces it. DECISION: the first rating
 * is accepted whenever the ticket is closed (a late answer is still an answer); changing it is
 * accepted until CSAT_CHANGE_DAYS after the close, and refused after, so the figures of a closed
 * period settle. An open ticket cannot be rated (nothing is finished yet).
 */
import { holdsNonText } from './conversation.js';
import { invalidInput } from './errors.js';
import { labelled } from './fieldErrors.js';
import { showsNothing } from './unicode.js';

export const CSAT_SCORES = ['good', 'bad'] as const;
export type CsatScore = (typeof CSAT_SCORES)[number];

/** How long after the close a rating can still be changed. */
export const CSAT_CHANGE_DAYS = 7;
const CHANGE_MS = CSAT_CHANGE_DAYS * 86_400_000;

/** The longest comment kept, in characters (a sentence or a paragraph, not a new request). */
export const MAX_CSAT_COMMENT = 2000;

/** What the rule reads of a ticket (epoch ms; nulls as in the tickets table). */
export interface RatingState {
  status: 'open' | 'closed';
  closed_at: number | null;
  /** The rating recorded so far (null: none yet). */
  csat_score: CsatScore | null;
}

/**
 * Whether the customer may rate the ticket at `now`: `first` (no rating yet), `change` (a rating
 * exists and the change window is open), or refused as `open` (not closed yet) or `settled`
 * (rated, and more than CSAT_CHANGE_DAYS since the close).
 */
export type RatingDecision = { kind: 'first' } | { kind: 'change' } | { kind: 'refused'; reason: 'open' | 'settled' };

/** The rule above. A closed row without closed_at (hand-written) counts as closed just now: rateable. */
export function ratingDecision(t: RatingState, now: number): RatingDecision {
  if (t.status !== 'closed') return { kind: 'refused', reason: 'open' };
  if (t.csat_score === null) return { kind: 'first' };
  if (t.closed_at !== null && now > t.closed_at + CHANGE_MS) return { kind: 'refused', reason: 'settled' };
  return { kind: 'change' };
}

/**
 * What recording `input` does at `now`: ratingDecision's answer, except that a change to exactly
 * the rating recorded (the same score and the same comment) is `unchanged`: nothing to write and
 * nothing to announce, answered as a success (a resubmitted form, a double click). After the
 * change window it is refused like any change: the rule does not look at what is sent then.
 */
export function ratingWrite(t: RatingState & { csat_comment: string | null }, input: RatingInput, now: number): RatingDecision | { kind: 'unchanged' } {
  const decision = ratingDecision(t, now);
  if (decision.kind === 'change' && t.csat_score === input.score && t.csat_comment === input.comment) return { kind: 'unchanged' };
  return decision;
}

/** The instant after which a rating can no longer be changed (null: not closed). */
export function ratingChangeableUntil(closedAt: number | null): number | null {
  return closedAt === null ? null : closedAt + CHANGE_MS;
}

/** A score from a link or a form: `good` or `bad` in any case, trimmed; null when it is neither. */
export function parseCsatScore(raw: unknown): CsatScore | null {
  if (typeof raw !== 'string') return null;
  const value = raw.trim().toLowerCase();
  return (CSAT_SCORES as readonly string[]).includes(value) ? (value as CsatScore) : null;
}

/** A rating as submitted: the score and the comment (null when left empty). */
export interface RatingInput {
  score: CsatScore;
  comment: string | null;
}

/** The rating form's visible labels (field errors start with them). */
export const RATING_LABELS = { score: 'Rating', comment: 'Comment' } as const;

/** The rating form's fields, or invalid_input naming each bad field (nothing is written). */
export function validateRating(fields: Record<string, unknown>): RatingInput {
  const errors: Record<string, string> = {};
  const score = parseCsatScore(fields.score);
  if (score === null) errors.score = 'Choose good or bad.';
  const rawComment = fields.comment ?? '';
  let comment: string | null = null;
  if (typeof rawComment !== 'string') errors.comment = 'The comment must be text.';
  else {
    const trimmed = rawComment.replace(/\r\n?/g, '\n').trim();
    if (holdsNonText(trimmed)) errors.comment = 'The comment holds characters that are not text.';
    else if ([...trimmed].length > MAX_CSAT_COMMENT) errors.comment = `The comment is too long: at most ${MAX_CSAT_COMMENT} characters.`;
    // A comment that shows nothing (only zero-width or direction marks) is none: staff would read
    // an empty quote, and webhooks a comment of nothing.
    else comment = showsNothing(trimmed) ? null : trimmed;
  }
  if (score === null || Object.keys(errors).length > 0) throw invalidInput(labelled(errors, RATING_LABELS), 'Please correct the rating form.');
  return { score, comment };
}

/** The §13 figure: rated tickets, good ones, and the score = good / rated (0..1, 4 decimals; null when none is rated). */
export interface CsatFigure {
  rated: number;
  good: number;
  score: number | null;
}

/** The figure from its two counts. */
export function csatFigure(rated: number, good: number): CsatFigure {
  return { rated, good, score: rated === 0 ? null : Math.round((good / rated) * 10_000) / 10_000 };
}

/** The figure of several counts together (per agent → the whole desk); a missing count is none. */
export function csatTotal(counts: Iterable<{ rated: number; good: number } | undefined>): CsatFigure {
  let rated = 0;
  let good = 0;
  for (const c of counts) {
    rated += c?.rated ?? 0;
    good += c?.good ?? 0;
  }
  return csatFigure(rated, good);
}

/**
 * The ratings of tickets whose team has since been deleted (its closed tickets keep its id), all
 * together; null when there are none. They count in the desk's total, so without this row the
 * per-team rows would not add up to it. `byTeam`: counts per team id; `existing`: the teams there are.
 */
export function deletedTeamsCsat(byTeam: ReadonlyMap<number, { rated: number; good: number }>, existing: readonly number[]): CsatFigure | null {
  const kept = new Set(existing);
  const figure = csatTotal([...byTeam].filter(([teamId]) => !kept.has(teamId)).map(([, count]) => count));
  return figure.rated === 0 ? null : figure;
}
