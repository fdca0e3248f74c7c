/**
 * Forms sent too late (SPEC §1: what the user typed is kept). Two ways a form outlives what it
 * needs: its CSRF secret cookie ends with the browser session (a restart), and a staff session
 * ends while a page is open. These are the decisions about them; src/http applies them.
 */

/** What a form post says about where it comes from (its request headers). */
export interface PostSource {
  /** `Sec-Fetch-Site`: `same-origin` for a form on one of our own pages. */
  fetchSite: string | undefined;
  /** `Origin`: `null` for our own pages too, whose Referrer-Policy is no-referrer. */
  origin: string | undefined;
  /** The host the request was sent to. */
  host: string;
}

/**
 * Whether a post refused for its CSRF token may be answered with its form again, the values it
 * carried put back (with a fresh token): only when nothing says it comes from another site. A
 * browser that says where a request comes from (`Sec-Fetch-Site`, sent to HTTPS and localhost) is
 * believed; without it, an `Origin` naming another host refuses it. Another site gets the plain
 * refusal, so it cannot have our page shown filled in with its text. Neither header (an older
 * browser, plain HTTP with our no-referrer policy, a script): nothing says it is foreign, and the
 * worst it can do is show a filled-in form that the user still has to send.
 */
export function mayShowFormAgain({ fetchSite, origin, host }: PostSource): boolean {
  if (fetchSite !== undefined) return fetchSite === 'same-origin';
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    // Not an origin at all: nothing to trust.
    return false;
  }
}

/**
 * The page a form's action belongs to, for the login to come back to when the post finds the
 * session ended: the nearest address at or above the action's that is a page (`isPage`), never a
 * whole section such as `/agents/`. `/agents/tickets/6/messages/` → `/agents/tickets/6/`,
 * `/adminapp/settings/` → itself; null when there is none (`/agents/availability/`). `path` has
 * no query.
 */
export function pageOfAction(path: string, isPage: (path: string) => boolean): string | null {
  const segments = path.split('/').filter((segment) => segment !== '');
  for (let length = segments.length; length >= 2; length--) {
    const candidate = `/${segments.slice(0, length).join('/')}/`;
    if (isPage(candidate)) return candidate;
  }
  return null;
}

/**
 * What a form refused for its expired token says above it (it comes back with status 403, nothing
 * sent): `what` is what to check (`request`, `message`); files cannot be handed back to a browser.
 */
export function expiredFormNotice(what: string, filesChosen: boolean): string {
  return `This form had expired, so nothing was sent. Check your ${what} and send it again.${filesAgain(filesChosen)}`;
}

function filesAgain(filesChosen: boolean): string {
  return filesChosen ? ' The files you chose are not kept: pick them again.' : '';
}

/**
 * What a customer's form refused by its rate limit says above it (it comes back with status 429,
 * nothing sent): `wait` is the limit's own sentence (how long to wait), `what` what is kept.
 */
export function limitedFormNotice(wait: string, what: string, filesChosen: boolean): string {
  return `${wait} Nothing was sent: your ${what} is kept below.${filesAgain(filesChosen)}`;
}

/** The sign-in form's notice when its token was refused (a page left open across a browser restart): the password is never put back. */
export const EXPIRED_LOGIN_NOTICE = 'This page had expired, so you were not signed in. Enter your password and sign in again.';

/**
 * By a field whose text was far over its limit: more than a form field may carry (256 kB), so the
 * form was refused before it was read and only the text's start came back into the field.
 */
export function farTooLongMessage(label: string, max: number): string {
  return `${label}: at most ${max.toLocaleString('en')} characters, and this one is far longer (only its start is kept below). Shorten it, or attach a long log as a file.`;
}
