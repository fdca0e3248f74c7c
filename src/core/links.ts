/**
 * Web addresses in what people write (messages, a ticket's description) as links. Only `http://`
 * and `https://` addresses become links (never `javascript:`, `data:` or `mailto:`), each as
 * written, so what a reader sees is where the link goes. Sentence punctuation right after an
 * address is not part of it ("see https://example.com/a." links without the full stop), nor is a
 * closing bracket that does not close one opened inside it ("(https://example.com/a)").
 */

export type TextPart = { text: string } | { text: string; href: string };

/** Longest address made a link; a longer run of text stays text. */
const MAX_LINK = 2048;

const CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?'"*_]+$/;
const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** How much of a candidate belongs to the address: trailing punctuation and unopened closers left out. */
function addressPart(candidate: string): string {
  let address = candidate;
  for (;;) {
    const before = address;
    address = address.replace(TRAILING_PUNCTUATION, '');
    const last = address.at(-1);
    if (last !== undefined && last in CLOSING) {
      const opener = CLOSING[last]!;
      const opened = address.split(opener).length - 1;
      const closed = address.split(last).length - 1;
      if (closed > opened) address = address.slice(0, -1);
    }
    if (address === before) return address;
  }
}

/** `text` cut into plain parts and links, in order; joined, the parts' texts are `text` again. */
export function linkParts(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let from = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const address = addressPart(match[0]);
    if (address.length > MAX_LINK || !isWebAddress(address)) continue;
    const at = match.index;
    if (at > from) parts.push({ text: text.slice(from, at) });
    parts.push({ text: address, href: address });
    from = at + address.length;
  }
  if (from < text.length || parts.length === 0) parts.push({ text: text.slice(from) });
  return parts;
}

function isWebAddress(address: string): boolean {
  try {
    const url = new URL(address);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
