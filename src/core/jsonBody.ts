/**
 * The API's JSON bodies before any route reads them: their bytes must be UTF-8, and `__proto__`
 * is refused. `__proto__` (§8 strict bodies): It is valid JSON, so it is not answered "not
 * valid JSON": it is a key no route knows, refused as an unknown field like any other. It is
 * refused where the body is parsed, before anything reads the body: an object holding it as its
 * own key would set a prototype if ever copied with Object.assign or a merge.
 */

const DANGEROUS = '__proto__';

/** Throws on any byte sequence UTF-8 does not allow; drops a leading byte order mark. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `fields.body` of a body whose bytes are not UTF-8. */
/** A body that does not parse as JSON: the field at fault is the whole body (§8: a 400 names its field). */
export const NOT_JSON = 'The body is not valid JSON: check its brackets, quotes and commas.';

export const NOT_UTF8 = 'The body is not valid UTF-8: send JSON encoded as UTF-8 (RFC 8259), whatever the charset label says.';

/**
 * A JSON body's bytes as text, or null when they are not UTF-8 (JSON's only encoding on the wire,
 * RFC 8259 §8.1). Decoding them leniently would turn each broken byte into U+FFFD and store a
 * Latin-1 "José" as "Jos\uFFFD" with a 201: the sender would never learn its text was lost. A
 * leading byte order mark is dropped, as the RFC lets a parser do.
 */
export function jsonText(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The paths (`holidays.0.__proto__`, as the API names fields) of every `__proto__` key in a parsed
 * JSON value, at any depth, shallowest first; empty when there is none. Walked with a queue, not
 * recursion: a body nested a hundred thousand deep fits the body limit and must not overflow the stack.
 */
export function protoKeyPaths(value: unknown): string[] {
  const found: string[] = [];
  const queue: [unknown, string][] = [[value, '']];
  for (let at = 0; at < queue.length; at++) {
    const [inner, path] = queue[at]!;
    if (inner === null || typeof inner !== 'object') continue;
    for (const key of Object.keys(inner)) {
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (key === DANGEROUS) found.push(keyPath);
      else queue.push([(inner as Record<string, unknown>)[key], keyPath]);
    }
  }
  return found;
}
