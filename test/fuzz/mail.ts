/**
 * Random mails for the email channel's fuzz tests (SPEC §10: any byte sequence given as a mail gets
 * a result): headers drawn from a pool of tricky ones (the rules' own headers, thread references to
 * real and forged tickets, encoded words, header injection), random MIME trees (nested multiparts,
 * broken boundaries, every transfer encoding, real and bogus charsets), and huge lines.
 */
import fc from 'fast-check';
import { anyFilename, anyText } from './support.js';

/** What the mails may refer to: the help desk's real tickets and emails. */
export interface MailWorld {
  /** Message-IDs of emails we sent (rule 1 when a mail carries one as its own, rule 5 as a reference). */
  ourIds: readonly string[];
  /** Ticket numbers for `[HD-<n>]`. */
  ticketIds: readonly number[];
  /** The customer of those tickets. */
  customer: string;
}

const CRLF = '\r\n';

/** Quoted-printable as clients write it (soft breaks at 76), for any bytes. */
function quotedPrintable(bytes: Buffer): string {
  const encoded = [...bytes].map((b) => ((b >= 33 && b <= 126 && b !== 61) || b === 32 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return (encoded.match(/.{1,72}(?:=[0-9A-F]{0,2})?/g) ?? []).join(`=${CRLF}`);
}

const base64Lines = (bytes: Buffer) => (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);

/** An encoded word (RFC 2047) of any text, in a real or bogus charset, sometimes broken. */
const encodedWord: fc.Arbitrary<string> = fc
  .tuple(anyText, fc.constantFrom('UTF-8', 'utf-8', 'ISO-8859-1', 'windows-1252', 'UTF-7', 'x-unknown', ''), fc.constantFrom('B', 'Q', 'b', 'X'), fc.boolean())
  .map(([text, charset, mode, broken]) => {
    const bytes = Buffer.from(text.slice(0, 200));
    const data = mode.toUpperCase() === 'B' ? bytes.toString('base64') : [...bytes].map((b) => `=${b.toString(16).padStart(2, '0')}`).join('');
    return broken ? `=?${charset}?${mode}?${data.slice(0, -1)}%%` : `=?${charset}?${mode}?${data}?=`;
  });

/** Header injection and folding tricks appended to a value. */
const injected = fc.constantFrom('', '', '', '', '', '', '', '', '\r\nBcc: victim@evil.test', '\nX-Injected: 1', '\r', '\u0000', '\r\n \r\n', '\r\n\tfolded on', '\r\n\r\nbody too early');

const fieldText = fc.oneof({ weight: 3, arbitrary: anyText.map((s) => s.slice(0, 300)) }, { weight: 2, arbitrary: encodedWord }, { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) });

function addresses(world: MailWorld): fc.Arbitrary<string> {
  const upper = world.customer.toUpperCase();
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(`Carla Customer <${world.customer}>`, world.customer, `"Carla" <${upper}>`, `=?UTF-8?B?${Buffer.from('Cärla ✓').toString('base64')}?= <${world.customer}>`) },
    { weight: 4, arbitrary: fc.constantFrom('Eve <eve@other.example>', 'dave@example.org', 'noreply@shop.example', 'Bob <bob@builder.example>') },
    { weight: 2, arbitrary: fc.constantFrom('MAILER-DAEMON@mx.example.com', 'Mail Delivery System <postmaster@mx.example.com>') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', 'Nobody', '<>', 'a@', '@b', 'undisclosed-recipients:;', 'a@b.example, c@d.example', '"quoted local"@example.com', 'user@bücher.example', `${'x'.repeat(300)}@example.com`, 'Carla <carla@example.com'),
    },
    { weight: 1, arbitrary: fc.tuple(fieldText, fc.emailAddress()).map(([name, address]) => `${name} <${address}>`) },
  );
}

function messageIds(world: MailWorld): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.uuid().map((id) => `<${id}@fuzz.example>`) },
    { weight: 2, arbitrary: fc.constantFrom('<dup-1@fuzz.example>', '<dup-2@fuzz.example>', 'dup-1@fuzz.example') },
    { weight: 1, arbitrary: fc.constantFrom(...world.ourIds) },
    { weight: 1, arbitrary: fc.constantFrom('<hd-1.outbox-1.0000000000000000@helpdesk.test>', '<outbox-999999999999999.ffffffffffffffff@helpdesk.test>', '<hd-1.outbox-1.0000000000000000@other.example>') },
    { weight: 1, arbitrary: fc.constantFrom('', '<>', '<a b@c>', '<<<x@y>>>', `<${'m'.repeat(2000)}@x>`, '<\u0000@x>', 'no brackets at all') },
  );
}

function references(world: MailWorld): fc.Arbitrary<string> {
  const one = fc.oneof(messageIds(world), fc.constantFrom(...world.ourIds));
  return fc.array(one, { maxLength: 4 }).map((ids) => ids.join(' '));
}

function subjects(world: MailWorld): fc.Arbitrary<string> {
  const token = fc.oneof(fc.constantFrom(...world.ticketIds), fc.constantFrom(0, 999_999_999)).map((id) => `[HD-${id}]`);
  return fc.oneof(
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('', 'Re: ', 'RE: AW: ', 'Fwd: '), fc.oneof(token, token.map((t) => t.toLowerCase())), fieldText).map(([re, t, rest]) => `${re}${t} ${rest}`) },
    { weight: 3, arbitrary: fieldText },
  );
}

/**
 * A mail's header lines in any order: the usual ones most of the time, the headers the rules read
 * now and then (so that people's mail, automatic mail and answers all come up), and stray lines.
 */
function headerLines(world: MailWorld): fc.Arbitrary<string[]> {
  const field = (name: string, value: fc.Arbitrary<string>) => fc.tuple(value, injected).map(([v, tail]) => `${name}: ${v}${tail}`);
  /** Left out `absent` times for every 10 times it is there. */
  const sometimes = (line: fc.Arbitrary<string>, absent: number) => fc.oneof({ weight: absent, arbitrary: fc.constant<string | null>(null) }, { weight: 10, arbitrary: line });
  const lines = [
    sometimes(field('From', addresses(world)), 1),
    sometimes(field('To', fc.constantFrom('support@helpdesk.test', 'Helpdesk <support@helpdesk.test>')), 3),
    sometimes(field('Subject', subjects(world)), 2),
    sometimes(field('Message-ID', messageIds(world)), 2),
    sometimes(field('In-Reply-To', references(world)), 10),
    sometimes(field('References', references(world)), 10),
    sometimes(field('Auto-Submitted', fc.constantFrom('no', 'No', 'auto-replied', 'auto-generated', '', 'garbage')), 40),
    sometimes(field('Precedence', fc.constantFrom('bulk', 'junk', 'list', 'auto_reply', 'first-class', 'BULK')), 60),
    sometimes(field('X-Autoreply', fc.constantFrom('yes', '')), 80),
    sometimes(field('X-Auto-Response-Suppress', fc.constantFrom('All', 'OOF', 'DR, RN, AutoReply', '')), 60),
    sometimes(fc.constant('MIME-Version: 1.0'), 5),
    sometimes(field('Date', fc.constantFrom('Fri, 27 Nov 2026 10:00:00 +0100', 'yesterday', '')), 5),
  ];
  const stray = fc.array(fc.tuple(fc.constantFrom('X-Garbage', 'Received', 'Content-Type', 'From', 'Subject', 'Message-ID', ' leading space', 'No Colon Here', ''), fieldText).map(([n, v]) => `${n}: ${v}`), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...lines), stray)
    .map(([usual, extra]) => [...usual.filter((line): line is string => line !== null), ...extra])
    .chain((all) => fc.shuffledSubarray(all, { minLength: all.length }));
}

/** A MIME part as header lines and body bytes. */
interface RenderedPart {
  headers: string[];
  body: Buffer;
}

const leafPart: fc.Arbitrary<RenderedPart> = fc
  .record({
    type: fc.constantFrom('text/plain', 'text/plain', 'text/html', 'image/png', 'application/pdf', 'message/delivery-status', 'text/rfc822-headers', 'message/rfc822', 'application/octet-stream', 'image/svg+xml', 'nonsense', ''),
    charset: fc.option(fc.constantFrom('utf-8', 'iso-8859-1', 'windows-1252', 'utf-7', 'unicode-1-1-utf-7', 'shift_jis', 'koi8-r', 'utf-16', 'x-unknown', 'base64', '"'), { nil: undefined }),
    encoding: fc.option(fc.constantFrom('7bit', '8bit', 'binary', 'base64', 'BASE64', 'quoted-printable', 'x-uuencode', 'bogus'), { nil: undefined }),
    disposition: fc.option(fc.constantFrom('inline', 'attachment', 'garbage'), { nil: undefined }),
    filename: fc.option(anyFilename, { nil: undefined }),
    contentId: fc.boolean(),
    content: fc.oneof({ weight: 3, arbitrary: anyText.map((t) => Buffer.from(t)) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)) }),
    latin1: fc.boolean(),
    corrupt: fc.boolean(),
  })
  .map((p) => {
    const content = p.latin1 ? Buffer.from(p.content.toString(), 'latin1') : p.content;
    const headers = [`Content-Type: ${p.type}${p.charset === undefined ? '' : `; charset=${p.charset}`}${p.filename === undefined ? '' : `; name="${p.filename}"`}`];
    if (p.encoding !== undefined) headers.push(`Content-Transfer-Encoding: ${p.encoding}`);
    if (p.disposition !== undefined) headers.push(`Content-Disposition: ${p.disposition}${p.filename === undefined ? '' : `; filename="${p.filename}"`}`);
    if (p.contentId) headers.push('Content-ID: <part@fuzz.example>');
    const encoding = (p.encoding ?? '').toLowerCase();
    let body: Buffer = encoding === 'base64' ? Buffer.from(base64Lines(content)) : encoding === 'quoted-printable' ? Buffer.from(quotedPrintable(content)) : content;
    if (p.corrupt) body = Buffer.concat([body.subarray(0, body.length >> 1), Buffer.from('!!=ZZ=\r\n%%@@'), body.subarray(body.length >> 1)]);
    return { headers, body };
  });

/** A multipart with its children, its boundary declared, used and closed, or not. */
function multipart(children: fc.Arbitrary<RenderedPart[]>): fc.Arbitrary<RenderedPart> {
  return fc
    .record({
      subtype: fc.constantFrom('mixed', 'alternative', 'related', 'report; report-type=delivery-status', 'digest', 'signed'),
      children,
      boundary: fc.constantFrom('b1', '=_fuzz_boundary', '----=_Part_0_1', 'a"b', ''),
      declared: fc.constantFrom('same', 'same', 'same', 'other', 'missing', 'unquoted-open'),
      closed: fc.boolean(),
      preamble: fc.constantFrom('', 'This is a multi-part message in MIME format.'),
    })
    .map((m) => {
      const declared = { same: `; boundary="${m.boundary}"`, other: '; boundary="not-used"', missing: '', 'unquoted-open': `; boundary="${m.boundary}` }[m.declared];
      const chunks: Buffer[] = [Buffer.from(m.preamble + CRLF)];
      for (const child of m.children) chunks.push(Buffer.from(`--${m.boundary}${CRLF}${child.headers.join(CRLF)}${CRLF}${CRLF}`), child.body, Buffer.from(CRLF));
      if (m.closed) chunks.push(Buffer.from(`--${m.boundary}--${CRLF}`));
      return { headers: [`Content-Type: multipart/${m.subtype}${declared}`], body: Buffer.concat(chunks) };
    });
}

const mimeTree: fc.Arbitrary<RenderedPart> = fc.letrec<{ part: RenderedPart; multi: RenderedPart }>((tie) => ({
  part: fc.oneof({ maxDepth: 4, depthIdentifier: 'mime' }, leafPart, tie('multi')),
  multi: multipart(fc.array(tie('part'), { maxLength: 4, depthIdentifier: 'mime' })),
})).part;

/** A huge line somewhere (in the header or the body), sometimes. */
const hugeLine = fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ inHeader: fc.boolean(), length: fc.integer({ min: 10_000, max: 200_000 }) }) });

/** A whole mail, as bytes. */
export function anyMail(world: MailWorld): fc.Arbitrary<Buffer> {
  return fc.tuple(headerLines(world), mimeTree, hugeLine, fc.constantFrom(CRLF, CRLF, '\n')).map(([headers, top, huge, eol]) => {
    const head = [...headers, ...top.headers];
    if (huge?.inHeader) head.push(`X-Huge: ${'h'.repeat(huge.length)}`);
    const body = huge && !huge.inHeader ? Buffer.concat([top.body, Buffer.from('y'.repeat(huge.length))]) : top.body;
    return Buffer.concat([Buffer.from(head.join(eol) + eol + eol), body]);
  });
}

/** Any bytes at all, sometimes after a plausible header. */
export const anyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.concat([Buffer.from('From: carla@example.com\r\nSubject: bytes\r\n\r\n'), Buffer.from(b)])),
  fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.concat([Buffer.from('From: carla@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n'), Buffer.from(b)])),
);
