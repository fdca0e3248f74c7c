/** Search on the staff pages (README, "Search"): the box, the matched words marked, the agent's results. */
import { highlight } from '../core/search.js';
import { referenceOf, stateOf } from '../core/tickets.js';
import { staffTicketPath } from '../http/links.js';
import type { PositionedRow } from '../repositories/ticketQueries.js';
import { DataTable, EmptyState, type FormErrors, type FormValues, StateBadge, TextField, Time } from './components.js';

export const SEARCH_HINT = 'Words (also inside longer words), "a phrase", -word to leave out, an email address, HD-123.';

/** `text` with the searched words in <mark> (as text nodes: escaped like any other). */
export function Highlight({ text, words }: { text: string; words: readonly string[] }) {
  if (words.length === 0) return <>{text}</>;
  return <>{highlight(text, words).map((piece) => (piece.hit ? <mark>{piece.text}</mark> : piece.text))}</>;
}

/** Said above results found by a corrected search (README, "Search": typos), with the way back to the search as typed. */
export function SearchCorrected({ typed, shown, exactHref }: { typed: string; shown: string; exactHref: string }) {
  return (
    <p class="flash flash-info" id="search-corrected" role="status">
      Showing results for <strong>{shown}</strong> (you typed {typed}). <a href={exactHref}>Search for {typed} exactly</a>
    </p>
  );
}

export interface SearchResultsProps {
  values: FormValues;
  errors: FormErrors;
  /** Null: no search asked (or it could not be read). */
  rows: PositionedRow[] | null;
  words: readonly string[];
  /** `after` of the next page of results, or null. */
  nextAfter: number | null;
  /** The search as corrected when what was typed (`values.q`) found nothing and this did; else null. */
  corrected: string | null;
}

const searchHref = (q: string, extra = '') => `/agents/dashboard/?q=${encodeURIComponent(q)}${extra}#search`;

/** The agent dashboard's search: its own tickets and the queue, best matches first. */
export function AgentSearch({ values, errors, rows, words, nextAfter, corrected }: SearchResultsProps) {
  const typed = values.q ?? '';
  // Next pages go on with the corrected search.
  const q = corrected ?? typed;
  return (
    // The landmark is HTML's <search> element (role search without the attribute): Pico draws any
    // [role=search] as a pill-shaped input group, which laid the heading beside the box, rounded the
    // box's one side and drew the hint over it (a form with the role: a half-circle button on a phone).
    <search id="search" aria-labelledby="search-heading">
      <h2 id="search-heading">Search</h2>
      <form method="get" action="/agents/dashboard/">
        <TextField name="q" label="Search my tickets and the queue" values={values} errors={errors} maxLength={200} hint={SEARCH_HINT} />
        <button type="submit">Search</button>
        {errors.after && (
          <p class="error" role="alert">
            {errors.after}
          </p>
        )}
      </form>
      {corrected !== null && <SearchCorrected typed={typed} shown={corrected} exactHref={searchHref(typed, '&exact=1')} />}
      {rows !== null &&
        (rows.length === 0 ? (
          <EmptyState title="Nothing found">No ticket of yours or in the queue matches.</EmptyState>
        ) : (
          <div class="table-scroll">
            <DataTable class="striped stack" id="search-results" columns={['Ticket', 'State', 'Customer', 'Created']}>
              {rows.map((t) => (
                <tr data-ticket={referenceOf(t.id)}>
                  <td data-label="Ticket">
                    <a href={staffTicketPath(t.id)}>
                      <strong>{referenceOf(t.id)}</strong> <bdi><Highlight text={t.title} words={words} /></bdi>
                    </a>
                  </td>
                  <td data-label="State">
                    <StateBadge state={stateOf({ status: t.status, agentId: t.agent_id })} />
                  </td>
                  <td data-label="Customer">
                    <bdi>
                      <Highlight text={t.customer_name} words={words} />
                    </bdi>
                    <br />
                    <small>
                      <Highlight text={t.customer_email} words={words} />
                    </small>
                  </td>
                  <td data-label="Created">
                    <Time ms={t.created_at} />
                  </td>
                </tr>
              ))}
            </DataTable>
            {nextAfter !== null && (
              <a rel="next" href={searchHref(q, `&after=${nextAfter}`)}>
                More results
              </a>
            )}
          </div>
        ))}
    </search>
  );
}
