/**
 * Rules about mailboxes, pure (SPEC §5, §7): reading a configured mailbox such as
 * `Helpdesk <help@example.com>`, and which addresses no automatic email may go to.
 */

/** A mailbox as written in configuration: an optional display name and one address. */
export interface Mailbox {
  name: string | null;
  address: string;
}

// One @, something on each side, no spaces, angle brackets, quotes, commas or control characters
// (which could start a second recipient or a new header). No dot required in the domain:
// `helpdesk@localhost` is the default sender of a trial install.
// eslint-disable-next-line no-control-regex
const ADDRESS = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f-\u009f]+@[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f-\u009f]+$/u;
// eslint-disable-next-line no-control-regex
const NAME = /^[^<>\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/u;

/**
 * Reads `address` or `Display Name <address>` (the forms MAIL_FROM and MAIL_REPLY_TO take); null
 * when it is anything else: two addresses, a line break, a missing `@`.
 */
export function parseMailbox(value: string): Mailbox | null {
  const trimmed = value.trim();
  const named = /^(.*?)\s*<([^<>]*)>$/su.exec(trimmed);
  const name = named ? named[1]!.replace(/^"(.*)"$/su, '$1').trim() : null;
  const address = named ? named[2]!.trim() : trimmed;
  if (!ADDRESS.test(address) || address.length > 254) return null;
  if (name !== null && (!NAME.test(name) || name.length > 200)) return null;
  return { name: name === '' ? null : name, address };
}

/**
 * Local parts of mailboxes nobody reads, compared without case, `+tag` and the separators `.`,
 * `-` and `_` (so `No_Reply`, `do-not-reply`, `MAILER-DAEMON` match): the mail system's own
 * addresses (RFC 5321 and 3834 say never to answer them automatically) and senders that say they
 * take no answer. An automatic email to one of them reaches nobody, or starts a mail loop.
 */
const UNATTENDED_EXACT = ['mailerdaemon', 'postmaster'];
/** These also as the start of a longer name: `noreply-billing`, `donotreply.alerts`. */
const UNATTENDED_PREFIXES = ['noreply', 'donotreply', 'dontreply'];

/**
 * Whether `address` is a mailbox no automatic email may go to (SPEC §5): `mailer-daemon`,
 * `postmaster`, `no-reply`/`noreply`/`no_reply`, `donotreply` and the like, in any letter case.
 * Only the local part counts: `noreply.example` as a domain is somebody's ordinary mailbox.
 */
export function isUnattendedMailbox(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = (at < 0 ? address : address.slice(0, at)).trim().toLowerCase();
  const plain = local.split('+')[0]!.replace(/[.\-_]/g, '');
  if (plain === '') return false;
  return UNATTENDED_EXACT.includes(plain) || UNATTENDED_PREFIXES.some((prefix) => plain.startsWith(prefix));
}

/** An address as it is matched (accounts, a mail's sender, §10 rule 5): letter case (any letters) and surrounding spaces aside ('' for none). */
export function mailboxKey(address: string | null): string {
  return (address ?? '').trim().toLowerCase();
}

/**
 * Whether two addresses are one mailbox (mailboxKey): what accounts, reset links, single sign-on and
 * the mail rules compare. A domain in another script is one domain in either spelling: its letters
 * (`bücher.example`) or its ASCII form (`xn--bcher-kva.example`). Chromium's email field sends the
 * ASCII form while a mail's From is read with the letters, so a customer's answers by mail missed
 * their own ticket and each opened a new one.
 */
export function sameMailbox(a: string | null, b: string | null): boolean {
  const [keyA, keyB] = [mailboxKey(a), mailboxKey(b)];
  return keyA === keyB || (keyA !== '' && asciiDomainKey(keyA) === asciiDomainKey(keyB));
}

/** A mailbox key with its domain in ASCII (IDNA, by the URL standard's host parser); as it is when the domain is no host name. */
function asciiDomainKey(key: string): string {
  const at = key.lastIndexOf('@');
  const domain = key.slice(at + 1);
  // An ASCII domain is its own ASCII form (the key is lower case); one holding what a URL's host
  // cannot (a port, a path) is no host name.
  if (at < 0 || /^[\x21-\x7e]*$/.test(domain) || /[:/?#[\]\\@%\s]/.test(domain)) return key;
  try {
    return `${key.slice(0, at)}@${new URL(`http://${domain}/`).hostname}`;
  } catch {
    return key;
  }
}
