/**
 * Secrets kept out of logs. A ticket's token is the customer's only key to its status page (a
 * bearer link: whoever has it reads the ticket), and it travels in URLs: `/tickets/status/<token>/`
 * and the success page's `?t=<token>`; its rating link `/tickets/rate/<token>/` (§13) rates it. A
 * password-reset link (§15) is a key to a staff account for 30 minutes:
 * `/agents/password/reset/<token>/`; a single sign-on's callback carries the provider's one-time
 * code. Request logs keep every URL, so they keep these redacted.
 */

export const REDACTED = '[redacted]';

/** Query parameters whose value is a secret, on any page (compared after %-decoding, any case). */
// `code`: an OpenID provider's authorization code on the single sign-on callback (§15).
const SECRET_PARAMS = new Set(['t', 'token', 'access_token', 'code']);

/** `decodeURIComponent` that leaves a broken %-escape as it is (a log line must never throw). */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A broken escape: the router refuses such URLs (400); compare the raw text instead.
    return text;
  }
}

/**
 * The URL of a request as it may be logged: the segment after `/tickets/status/` (or `/rate/`) and the values of
 * secret query parameters become `[redacted]`; the rest is kept verbatim. Segments and names are
 * compared %-decoded and in any case, so `/tickets/%73tatus/<token>/` or `?%74=<token>` (which the
 * router and the query parser read as the same thing) are redacted too.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const query = at === -1 ? null : url.slice(at + 1);
  return redactPath(path) + (query === null ? '' : '?' + redactQuery(query));
}

function redactPath(path: string): string {
  const segments = path.split('/');
  const plain = segments.map((s) => safeDecode(s).toLowerCase());
  for (let i = 0; i + 2 < segments.length; i++) {
    const secretNext = (plain[i] === 'tickets' && (plain[i + 1] === 'status' || plain[i + 1] === 'rate')) || (plain[i] === 'password' && plain[i + 1] === 'reset');
    if (secretNext && segments[i + 2] !== '') segments[i + 2] = REDACTED;
  }
  return segments.join('/');
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.has(safeDecode(name.replace(/\+/g, ' ')).toLowerCase()) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/** Status links, `t=` parameters and bearer credentials inside free text (e.g. a mail server's reply). */
const SECRETS_IN_TEXT: readonly [RegExp, string][] = [
  [/(\/tickets\/(?:status|rate)\/)[^/\s?#"'<>]+/gi, `$1${REDACTED}`],
  [/(\/password\/reset\/)[^/\s?#"'<>]+/gi, `$1${REDACTED}`],
  [/([?&](?:t|token|access_token)=)[^&\s#"'<>]+/gi, `$1${REDACTED}`],
  [/(\bBearer\s+)\S+/gi, `$1${REDACTED}`],
];

/** `text` with the secrets it may quote redacted: for error messages that reach a log. */
export function redactText(text: string): string {
  return SECRETS_IN_TEXT.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

/**
 * An outbox email's body as the admins' email page shows it (§1 `/admin/emails/<id>/`): a
 * password-reset email's link redacted, since the link sets the account's password for 30 minutes
 * and only the mailbox it went to may hold it (an admin using another admin's link would sign in as
 * them with no trace of their own in the audit log). Every other email is shown as sent.
 */
export function shownMailBody(kind: string, body: string): string {
  return kind === 'password_reset' ? redactText(body) : body;
}
