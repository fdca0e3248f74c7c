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

/** What a 405 says, `allow` being its Allow header. */
export function notAllowedMessage(allow: string): string {
  return `This address answers ${allow} only.`;
}

/**
 * A versioned API address with an empty segment (`/api/v1/tickets/`, `/api/v1/tickets//close`)
 * names no route: the router would otherwise read the empty text as an id ("Ticket not found." for
 * a list's address with a slash) or answer a 405 for the list's methods. So does the API's document
 * with a slash (`/api/openapi.json/`), which was a page's generic 404. Answers the address without
 * its empty segments, for the 404 to name, or null when `path` (no query) has none or is neither
 * under /api/v<n>/ nor the document (the docs' own addresses end in a slash; the pages take
 * theirs, §1). Never a redirect: a POST or PUT would not follow one with its body everywhere.
 */
export function emptySegmentsOf(path: string): string | null {
  if (!/^\/api\/(v\d+(\/|$)|openapi\.json\/)/.test(path) || !/\/(\/|$)/.test(path)) return null;
  return path.replace(/\/{2,}/g, '/').replace(/\/$/, '');
}

/** What the 404 of such an address says (README, JSON API, Errors). */
export function emptySegmentsMessage(path: string, without: string): string {
  return `There is no API address ${path}: API addresses take no trailing slash or empty segment (try ${without}).`;
}
