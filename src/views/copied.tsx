/** The people a customer copied on their mail (§10 Cc), as a fact of the staff page and the status page. */
import type { TicketCcRow } from '../db/schemaCcs.js';

/** `Copied: Dan <dan@x>, eve@y`; nothing when nobody is copied. */
export function CopiedFact({ copied }: { copied: readonly Pick<TicketCcRow, 'address' | 'name'>[] }) {
  if (copied.length === 0) return null;
  return (
    <>
      <dt>Copied</dt>
      <dd id="copied-people">
        {copied.map((c, i) => (
          <>
            {i > 0 && ', '}
            <span class="copied-person" data-address={c.address}>
              {c.name === '' ? c.address : `${c.name} <${c.address}>`}
            </span>
          </>
        ))}
      </dd>
    </>
  );
}
