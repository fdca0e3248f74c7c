/** Text that wraps where a reader expects it to: names at their separators, email addresses whole or at their dots. */
import type { ComponentChildren } from 'preact';

/**
 * Text that may wrap only right after one of the characters `after` (a `<wbr>` there): a name
 * such as `settings.two_factor_required` or `user:12` after its dots, underscores and colons,
 * never in the middle of a word.
 */
export function Breakable({ text, after = '._:' }: { text: string; after?: string }) {
  const parts = text.split(new RegExp(`(?<=[${after.replace(/[\\\]^-]/g, '\\$&')}])`));
  return (
    <>
      {parts.map((part, i) => (
        <>
          {i > 0 && <wbr />}
          {part}
        </>
      ))}
    </>
  );
}

/**
 * An email address (in angle brackets with `bracketed`; `children` follow it inside its box, a
 * list's comma) that goes to the next line as a whole when it does not fit the rest of one, and
 * wraps after its dots, `@`, hyphens and underscores (not inside a word) when it is longer than a
 * line (a 90-letter mailbox on a phone). The box is app.css `.address`.
 */
export function Address({ address, bracketed = false, children }: { address: string; bracketed?: boolean; children?: ComponentChildren }) {
  const text = <Breakable text={address} after=".@-_" />;
  return (
    <span class="address">
      {bracketed ? <>&lt;{text}&gt;</> : text}
      {children}
    </span>
  );
}
