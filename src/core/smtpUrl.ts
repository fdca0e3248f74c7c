/**
 * SMTP_URL's query parameters are the mailer's (nodemailer's) options, read as it reads them: a
 * name it does not know, or spells otherwise, is ignored without a word, and any value but `false`
 * (or 0) turns a switch on. So `?requireTls=true` (the .env.example advice, mistyped) sent the
 * password in the clear, and `?requireTLS=no` asked for TLS. The switches that decide whether the
 * conversation is encrypted or checked must be spelt as the mailer spells them and say true or
 * false; other options pass as given (the mailer has many).
 */

/** The mailer's on/off options that decide TLS (its spelling). `secure` is the scheme's: see below. */
const TLS_SWITCHES = ['requireTLS', 'ignoreTLS', 'opportunisticTLS', 'tls.rejectUnauthorized'] as const;

/** A switch's values the mailer reads as its two states (it makes 1 and 0 numbers, which work alike). */
const SWITCH_VALUES = new Set(['true', 'false', '1', '0']);

/** How a name compares when looking for a near miss: letters and dots only, in lower case. */
const folded = (name: string) => name.toLowerCase().replace(/[^a-z.]/g, '');

/** What is wrong with SMTP_URL's query parameters, as the rest of a one-line error naming SMTP_URL; null when nothing (or the URL does not parse: the host check says so). */
export function smtpUrlOptionProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const names = [...url.searchParams.keys()];
  for (const name of names) {
    if (names.indexOf(name) !== names.lastIndexOf(name)) return `SMTP_URL ?${name}= is given twice`;
    if (folded(name) === 'secure') return `SMTP_URL ?${name}= is decided by the scheme (the mailer ignores it): smtps:// for TLS from the first byte (port 465), smtp:// for STARTTLS`;
    const exact = TLS_SWITCHES.find((known) => known === name);
    if (exact) {
      const given = url.searchParams.get(name) ?? '';
      if (!SWITCH_VALUES.has(given)) return `SMTP_URL ?${name}= must be true or false, not "${given}"`;
      continue;
    }
    const near = TLS_SWITCHES.find((known) => folded(known) === folded(name));
    if (near) return `SMTP_URL ?${name}= is no option the mailer reads (it would be ignored): did you mean ?${near}=?`;
    if (name.includes('.') && !name.startsWith('tls.')) return `SMTP_URL ?${name}= is ignored by the mailer (of nested options it reads only tls.…): put the user and password before the host (smtp://user:password@host)`;
  }
  return null;
}
