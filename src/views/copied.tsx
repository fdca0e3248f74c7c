/** The people a customer copied on their mail (§10 Cc), as a fact of the staff page and the status page. */
import type { TicketCcRow } from '../db/schemaCcs.js';
import { CsrfField } from './components.js';
import { Address } from './wrapping.js';

/** The removal form of each copied person (staff who may change them): where it posts, its CSRF token. */
export interface CopiedRemoval {
  action: string;
  csrf: string;
}

/**
 * `Copied`: one line per person, `Dan <dan@x>` (a long address wraps at its dots); nothing when
 * nobody is copied. With `removal`, a Remove button beside each, named for screen readers by the
 * address it removes.
 */
export function CopiedFact({ copied, removal }: { copied: readonly Pick<TicketCcRow, 'address' | 'name'>[]; removal?: CopiedRemoval | undefined }) {
  if (copied.length === 0) return null;
  return (
    <>
      <dt>Copied</dt>
      <dd id="copied-people">
        <ul class="copied-list">
          {copied.map((c) => (
            <li>
              <span class="copied-person" data-address={c.address}>
                {c.name !== '' && <><bdi>{c.name}</bdi> </>}
                <Address address={c.address} bracketed={c.name !== ''} />
              </span>
              {removal && (
                <form method="post" action={removal.action} class="inline-form">
                  <CsrfField token={removal.csrf} />
                  <input type="hidden" name="address" value={c.address} />
                  <button type="submit" class="secondary outline small">
                    Remove<span class="visually-hidden"> {c.address}</span>
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      </dd>
    </>
  );
}
