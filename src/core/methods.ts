/**
 * What an API address says to a method it does not have (§8): 405 with `Allow` naming the methods
 * it has, so a client sees at once that the address is right and the verb wrong. An address no
 * method answers stays a 404, and the pages keep their 404 (a browser only GETs and POSTs).
 */

/** The methods Fastify may route, in the order `Allow` lists them. */
export const ROUTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Is this path (no query) one of the JSON API's? */
export function isApiPath(path: string): boolean {
  return /^\/api(\/|$)/.test(path);
}

/**
 * The `Allow` header for a request no route answered: the methods `path` has (`answers` tells,
 * per method), or null when it is not an API path or no method answers it (a 404).
 */
export function allowedMethods(path: string, answers: (method: string) => boolean): string | null {
  if (!isApiPath(path)) return null;
  const allowed = ROUTED_METHODS.filter((method) => answers(method));
  return allowed.length === 0 ? null : allowed.join(', ');
}
