/**
 * `__proto__` in a JSON body (§8 strict bodies). It is valid JSON, so it is not answered "not
 * valid JSON": it is a key no route knows, refused as an unknown field like any other. It is
 * refused where the body is parsed, before anything reads the body: an object holding it as its
 * own key would set a prototype if ever copied with Object.assign or a merge.
 */

const DANGEROUS = '__proto__';

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
