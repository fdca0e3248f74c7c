/**
 * IMAP_URL (§10), pure: `imaps://user:pass@host:993/INBOX` (TLS from the start) or
 * `imap://user:pass@host:143/INBOX` (STARTTLS when the server offers it). User and password are
 * percent-decoded (a password holding `/`, `?`, `#`, `%` or `:` is written with %2F, %3F, %23,
 * %25, %3A); the mailbox is the path, INBOX when there is none.
 */

/** Where the support mailbox is and how to sign in. */
export interface ImapAddress {
  /** TLS from the first byte (imaps://); otherwise STARTTLS when offered. */
  secure: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The folder new mail arrives in. */
  mailbox: string;
}

/** The ports IMAP uses unless the URL names one. */
const DEFAULT_PORTS = { imap: 143, imaps: 993 } as const;

const FORM = 'imaps://user:pass@host:993/INBOX';

/** What is wrong with an IMAP_URL, as the rest of a sentence starting "IMAP_URL" (never the password). */
type Problem = string;

/** Reads IMAP_URL: the address, or what is wrong with it. */
export function readImapUrl(text: string): { address: ImapAddress } | { problem: Problem } {
  const trimmed = text.trim();
  const scheme = /^(imaps?):\/\//i.exec(trimmed)?.[1]?.toLowerCase() as keyof typeof DEFAULT_PORTS | undefined;
  if (!scheme) return { problem: `must start with imap:// or imaps://, as in ${FORM}` };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { problem: `is not a valid URL (as in ${FORM}; %-encode a password's / ? # as %2F %3F %23)` };
  }
  if (url.hostname === '') return { problem: `must name a host, as in ${FORM}` };
  if (url.username === '') return { problem: `must name a user, as in ${FORM}` };
  if (url.search !== '' || url.hash !== '') return { problem: 'must not hold ? or # (%-encode them in a password: %3F, %23)' };
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (port === 0) return { problem: 'names port 0 (leave the port out for 993 with imaps://, 143 with imap://)' };
  const user = decoded(url.username);
  const password = decoded(url.password);
  const mailbox = decoded(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  if (user === null || password === null || mailbox === null) return { problem: 'holds a broken %-escape (write % itself as %25)' };
  return {
    address: {
      secure: scheme === 'imaps',
      // An IPv6 address is written in brackets in a URL, bare on a socket.
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      user,
      password,
      mailbox: mailbox === '' ? 'INBOX' : mailbox,
    },
  };
}

/** Reads IMAP_URL; throws an Error whose message says what is wrong. */
export function parseImapUrl(text: string): ImapAddress {
  const read = readImapUrl(text);
  if ('problem' in read) throw new Error(`IMAP_URL ${read.problem}`);
  return read.address;
}

/**
 * Whether two folder names name the same folder (INBOX in any letter case is INBOX, RFC 3501; other
 * names are compared as written). Mail moved into the folder it is read from would come back forever.
 */
export function sameFolder(a: string, b: string): boolean {
  const inbox = (name: string) => (/^inbox$/i.test(name) ? 'INBOX' : name);
  return inbox(a) === inbox(b);
}

/** The address as it may be logged: everything but the password. */
export function describeImapAddress(address: ImapAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.secure ? 'imaps' : 'imap'}://${encodeURIComponent(address.user)}@${host}:${address.port}/${address.mailbox}`;
}

function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
