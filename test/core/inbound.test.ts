/**
 * The email channel's decisions (SPEC §10), table by table: no I/O, every pure function of
 * src/core/inbound.ts, with the notes of a mail read from its header only (core/headerOnlyMail.ts)
 * and the addresses it was delivered to (core/mailHeaders.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  ingestWaves,
  answeredStaffEmail,
  answeredTicket,
  decideInbound,
  type InboundDecision,
  type InboundFacts,
  INBOUND_RESULTS,
  MAIL_TEXT_MAX,
  type NamedTicket,
  ownAddressOf,
  rejectedBeforeRules,
  sameAddress,
  subjectTicketId,
  threadText,
  ticketFromMail,
} from '../../src/core/inbound.js';
import { oversizeNote, oversizeReason } from '../../src/core/headerOnlyMail.js';
import { recipientAddresses } from '../../src/core/mailHeaders.js';
import { mailKeyOf, messageIdOfKey, messageIdsIn, normaliseMessageId, senderMailKey, threadIds } from '../../src/core/messageIds.js';

const MB = 1024 * 1024;
const OPEN: NamedTicket = { id: 7, status: 'open', customerEmail: 'carla@example.com', copied: ['dan@example.com'] };
const CLOSED: NamedTicket = { id: 8, status: 'closed', customerEmail: 'carla@example.com', copied: ['dan@example.com'] };

/** A person's first mail: nothing known about it. */
const PLAIN: InboundFacts = { ownMail: false, seenBefore: false, ownAddress: null, staffEmail: null, automatic: null, bounce: false, answers: null, addsNothing: false, senderTicketsLastHour: 0, ticketsPerHour: 20 };

/** Lone surrogates: what a cut in the middle of an emoji leaves. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('decideInbound: the first of the seven rules that matches', () => {
  const cases: [title: string, facts: Partial<InboundFacts>, expected: InboundDecision['result'], extra?: Record<string, unknown>][] = [
    // One row per rule.
    ['rule 1: our own mail coming back is ignored', { ownMail: true }, 'ignored', { showOn: null }],
    ['rule 2: a mail seen before is a duplicate', { seenBefore: true }, 'duplicate'],
    ['rule 3: an automatic mail is ignored', { automatic: 'Auto-Submitted: auto-replied' }, 'ignored', { showOn: null }],
    ['rule 3: an automatic answer to an open ticket is shown there', { automatic: 'X-Autoreply: yes', answers: OPEN }, 'ignored', { showOn: 7 }],
    ['rule 4: a delivery report is a bounce', { bounce: true }, 'bounce'],
    ['rule 5: an answer to an open ticket is appended', { answers: OPEN }, 'appended', { ticketId: 7 }],
    ['rule 5: an answer to a closed ticket is a follow-up', { answers: CLOSED }, 'follow_up', { ticketId: 8 }],
    ['rule 5: an answer to an open ticket adding nothing (no text, no files) is ignored, logged on its ticket', { answers: OPEN, addsNothing: true }, 'ignored', { showOn: null, ticketId: 7, reason: 'No text and no files: nothing added to HD-7.' }],
    ['rule 5: an empty answer to a closed ticket is ignored too (no "(no text)" follow-up), logged on its ticket', { answers: CLOSED, addsNothing: true }, 'ignored', { showOn: null, ticketId: 8, reason: 'No text and no files: nothing added to HD-8.' }],
    ['rule 5: an answer to a closed ticket with files but no text still opens a follow-up', { answers: CLOSED, addsNothing: false }, 'follow_up', { ticketId: 8 }],
    ['rule 6: an empty new mail still creates a ticket', { addsNothing: true }, 'created'],
    ['rule 3 before the empty answer: an empty auto-reply is shown as automatic', { answers: OPEN, addsNothing: true, automatic: 'X-Autoreply: yes' }, 'ignored', { showOn: 7 }],
    ['rule 6: anything else creates a ticket', {}, 'created'],
    ['rule 7: the 20th ticket of this sender within the hour is rejected', { senderTicketsLastHour: 20 }, 'rejected'],
    ['rule 6 still below the cap: the 20th ticket is created', { senderTicketsLastHour: 19 }, 'created'],
    // Precedence between rules.
    ['own mail that is also automatic: rule 1', { ownMail: true, automatic: 'Auto-Submitted: auto-generated' }, 'ignored', { showOn: null }],
    ['own mail seen before: still rule 1, however often it comes back', { ownMail: true, seenBefore: true }, 'ignored'],
    ['own mail that looks like a bounce: rule 1', { ownMail: true, bounce: true }, 'ignored'],
    ['a duplicate of a bounce: rule 2', { seenBefore: true, bounce: true }, 'duplicate'],
    ['a duplicate of an automatic mail: rule 2', { seenBefore: true, automatic: 'Precedence: bulk' }, 'duplicate'],
    ['a duplicate of an answer: rule 2, nothing appended twice', { seenBefore: true, answers: OPEN }, 'duplicate'],
    ['a delivery report marked Auto-Submitted (as Postfix, Exim and Gmail send them): rule 4', { bounce: true, automatic: 'Auto-Submitted: auto-replied' }, 'bounce'],
    ['a delivery report quoting a ticket: rule 4, never appended', { bounce: true, answers: OPEN }, 'bounce'],
    ['an automatic answer to a closed ticket: ignored, shown nowhere, no follow-up', { automatic: 'Auto-Submitted: auto-replied', answers: CLOSED }, 'ignored', { showOn: null }],
    ['an automatic mail of a sender over the cap: ignored, not rejected', { automatic: 'Precedence: list', senderTicketsLastHour: 99 }, 'ignored'],
    ['an answer from a sender over the cap: appended (the cap is on new tickets)', { answers: OPEN, senderTicketsLastHour: 99 }, 'appended'],
    ['a follow-up from a sender over the cap: still a follow-up', { answers: CLOSED, senderTicketsLastHour: 99 }, 'follow_up'],
    ['a stranger quoting a ticket (answeredTicket gave null): a new ticket', { answers: null }, 'created'],
    ['a cap of 0 rejects every new ticket', { ticketsPerHour: 0 }, 'rejected'],
    // Mail from the help desk's own addresses, and staff answering staff emails (QA #3).
    ['rule 1: mail from our own address is ignored', { ownAddress: 'support@helpdesk.example' }, 'ignored', { showOn: null }],
    ['rule 1: from our own address, naming an open ticket of that address: still ignored', { ownAddress: 'support@helpdesk.example', answers: OPEN }, 'ignored', { showOn: null }],
    ['rule 1: from our own address, looking like a bounce: ignored, never marks an email bounced', { ownAddress: 'support@helpdesk.example', bounce: true }, 'ignored'],
    ['rule 1 after rule 2: from our own address seen before is a duplicate', { ownAddress: 'support@helpdesk.example', seenBefore: true }, 'duplicate'],
    ['rule 5: an answer to an email sent to staff is ignored, opens nothing', { staffEmail: 'sla_breached' }, 'ignored', { showOn: null }],
    ['rule 5: an answer to a staff email naming an open ticket of the sender: ignored first', { staffEmail: 'sla_breached', answers: OPEN }, 'ignored', { showOn: null }],
    ['rule 5: an answer to a staff email from a sender over the cap: ignored, not rejected', { staffEmail: 'sla_warning', senderTicketsLastHour: 99 }, 'ignored'],
    ['rule 4 before rule 5: the bounce of a staff email marks it bounced', { staffEmail: 'sla_breached', bounce: true }, 'bounce'],
    ['rule 3 before rule 5: an out-of-office answering a staff email is automatic', { staffEmail: 'sla_breached', automatic: 'Auto-Submitted: auto-replied' }, 'ignored'],
  ];
  for (const [title, facts, expected, extra] of cases) {
    it(title, () => {
      const decision = decideInbound({ ...PLAIN, ...facts });
      expect(decision.result).toBe(expected);
      if (extra) expect(decision).toMatchObject(extra);
    });
  }

  it('says why, for every result that is not a change', () => {
    expect(decideInbound({ ...PLAIN, ownMail: true })).toMatchObject({ reason: expect.stringMatching(/own mail/i) });
    expect(decideInbound({ ...PLAIN, automatic: 'Precedence: bulk' })).toMatchObject({ reason: expect.stringContaining('Precedence: bulk') });
    expect(decideInbound({ ...PLAIN, automatic: 'X-Autoreply: yes', answers: OPEN })).toMatchObject({ reason: expect.stringContaining('Shown on its ticket') });
    expect(decideInbound({ ...PLAIN, senderTicketsLastHour: 25, ticketsPerHour: 20 })).toMatchObject({ reason: expect.stringMatching(/25 tickets.*limit is 20/) });
    expect(decideInbound({ ...PLAIN, ownAddress: 'support@helpdesk.example' })).toMatchObject({ reason: "Sent from the help desk's own address support@helpdesk.example: no ticket, no email." });
    expect(decideInbound({ ...PLAIN, staffEmail: 'sla_breached' })).toMatchObject({ reason: expect.stringMatching(/answer to a sla_breached email sent to staff.*answer on the ticket page/) });
  });

  it('answers only results of the §10 list, in rule order', () => {
    expect(INBOUND_RESULTS).toEqual(['ignored', 'duplicate', 'bounce', 'appended', 'follow_up', 'created', 'rejected']);
  });
});

describe('subjectTicketId (rule 5)', () => {
  const cases: [subject: string, id: number | null][] = [
    ['[HD-7] Printer on fire', 7],
    ['Re: [HD-42] Printer on fire', 42],
    ['RE: AW: Fwd: [hd-42] lower case', 42],
    ['[Hd-9]', 9],
    ['[HD-007] leading zeros', 7],
    ['[HD-0]', null],
    ['HD-7 without brackets', null],
    ['[HD-7 unclosed', null],
    ['[HD- 7]', null],
    ['[HD-7a]', null],
    ['[HD-2147483647] the largest id', 2147483647],
    ['[HD-2147483648] past any id', null],
    ['[HD-999999999999999]', null],
    ['[HD-1234567890123456] sixteen digits', null],
    ['[HD-3] then [HD-4]', 3],
    ['', null],
  ];
  for (const [subject, id] of cases) {
    it(`${JSON.stringify(subject)} → ${id}`, () => {
      expect(subjectTicketId(subject)).toBe(id);
    });
  }
});

describe('answeredTicket (rule 5): the first named ticket whose customer is the sender', () => {
  const other: NamedTicket = { id: 9, status: 'open', customerEmail: 'eve@other.example', copied: ['carla@example.com'] };

  it.each<[string, NamedTicket[], string, number | null]>([
    ['the customer, same case', [OPEN], 'carla@example.com', 7],
    ['the customer in any letter case', [OPEN], 'Carla@Example.COM', 7],
    ['the customer with spaces around', [OPEN], '  carla@example.com ', 7],
    ['a stranger naming the ticket', [OPEN], 'eve@other.example', null],
    ['a near miss (plus address)', [OPEN], 'carla+x@example.com', null],
    ['the sender’s ticket after a stranger’s', [other, OPEN], 'carla@example.com', 7],
    ['the first of the sender’s tickets (thread before subject)', [CLOSED, OPEN], 'carla@example.com', 8],
    ['no named ticket', [], 'carla@example.com', null],
    ['a copied person answering an open ticket', [OPEN], 'dan@example.com', 7],
    ['a copied person in any letter case', [OPEN], ' Dan@EXAMPLE.com', 7],
    ['a copied person answering a closed ticket: a ticket of their own', [CLOSED], 'dan@example.com', null],
    ['a copied person’s open ticket after their closed one', [CLOSED, OPEN], 'dan@example.com', 7],
  ])('%s', (_title, named, from, id) => {
    expect(answeredTicket(named, from)?.id ?? null).toBe(id);
  });

  it('compares addresses in any letter case, nothing else', () => {
    expect(sameAddress('A@B.example', 'a@b.EXAMPLE')).toBe(true);
    expect(sameAddress('a@b.example', 'a@c.example')).toBe(false);
  });
});

describe('Message-IDs and the mail key', () => {
  it.each<[string, string]>([
    ['<abc@example.com>', '<abc@example.com>'],
    ['abc@example.com', '<abc@example.com>'],
    ['  <abc@example.com>  ', '<abc@example.com>'],
    ['<<abc@example.com>>', '<abc@example.com>'],
    ['<CAF3k9xQ7yZ2m+Vb1pKq=8nLwR4tE0sJd@mail.gmail.com>', '<CAF3k9xQ7yZ2m+Vb1pKq=8nLwR4tE0sJd@mail.gmail.com>'],
    ['', ''],
    ['   ', ''],
    ['<>', ''],
    ['<20261201.1234@legacy.example> (added by postmaster@legacy.example)', '<20261201.1234@legacy.example>'],
    ['(a comment) <abc@example.com> (another)', '<abc@example.com>'],
    ['<abc@example.com> (added by postmaster@example.com)>', '<abc@example.com>'],
    ['<a b@example.com>', ''],
    ['<a<b@example.com>', ''],
    ['<a@b>\r\nBcc: victim@evil.test', ''],
    ['<a\u0000b@example.com>', ''],
    ['<a\u007fb@example.com>', ''],
    [`<${'x'.repeat(991)}>`, ''],
    [`<${'x'.repeat(990)}>`, `<${'x'.repeat(990)}>`],
  ])('normaliseMessageId(%j) → %j', (raw, id) => {
    expect(normaliseMessageId(raw)).toBe(id);
  });

  it.each<[string | string[] | null | undefined, string[]]>([
    ['<a@x> <b@y>', ['<a@x>', '<b@y>']],
    ['<a@x>\r\n <b@y>\t<c@z>', ['<a@x>', '<b@y>', '<c@z>']],
    ['<a@x> <a@x> <b@y>', ['<a@x>', '<b@y>']],
    [['<a@x>', '<b@y> <c@z>'], ['<a@x>', '<b@y>', '<c@z>']],
    ['a@x', ['<a@x>']],
    ['a@x b@y', ['<a@x>', '<b@y>']],
    ['<a@x> (a comment) <b@y>', ['<a@x>', '<b@y>']],
    ['<a b@x> <c@y>', ['<c@y>']],
    ['', []],
    [null, []],
    [undefined, []],
    [[], []],
  ])('messageIdsIn(%j) → %j', (value, ids) => {
    expect(messageIdsIn(value)).toEqual(ids);
  });

  // threadIds with a limit of 4: In-Reply-To first, then References' root and its newest ids.
  const ids = (...n: number[]) => n.map((i) => `<${i}@x>`);
  it.each<[string, string[], string[], string[]]>([
    ['both empty', [], [], []],
    ['within the limit: In-Reply-To, then References in order', ids(9), ids(1, 2, 3), ids(9, 1, 2, 3)],
    ['repeats kept once, In-Reply-To first', ids(3), ids(1, 3, 2, 1), ids(3, 1, 2)],
    ['over the limit: the root and the newest references', ids(9), ids(1, 2, 3, 4, 5, 6), ids(9, 1, 5, 6)],
    ['no In-Reply-To: the root and the three newest', [], ids(1, 2, 3, 4, 5, 6), ids(1, 4, 5, 6)],
    ['room for one reference: the root', ids(7, 8, 9), ids(1, 2, 3), ids(7, 8, 9, 1)],
    ['In-Reply-To alone over the limit: cut, no references', ids(5, 6, 7, 8, 9), ids(1), ids(5, 6, 7, 8)],
  ])('threadIds: %s', (_case, inReplyTo, references, expected) => {
    expect(threadIds(inReplyTo, references, 4)).toEqual(expected);
  });

  it('threadIds keeps at most MAX_NAMED_IDS by default', () => {
    const many = Array.from({ length: 70_000 }, (_, i) => `<${i}@x>`);
    const kept = threadIds(['<answered@x>'], many);
    expect(kept).toHaveLength(100);
    expect(kept.slice(0, 2)).toEqual(['<answered@x>', '<0@x>']);
    expect(kept.at(-1)).toBe('<69999@x>');
  });

  it('recipientAddresses: Delivered-To, then To, lower-case, once each, the first MAX_NAMED_IDS', () => {
    const to = Array.from({ length: 150 }, (_, i) => `P${i}@x.example`).join(', ');
    const headers = new Map([['delivered-to', ['Support@Desk.example']], ['to', [`support@desk.example, ${to}`]]]);
    const found = recipientAddresses(headers);
    expect(found).toHaveLength(100);
    expect(found.slice(0, 3)).toEqual(['support@desk.example', 'p0@x.example', 'p1@x.example']);
    expect(recipientAddresses(new Map([['to', ['a@x.example, A@X.example, b@x.example']]]))).toEqual(['a@x.example', 'b@x.example']);
  });

  const hash = 'ab'.repeat(32);
  it.each<[string | null, string]>([
    ['<abc@example.com>', '<abc@example.com>'],
    ['abc@example.com', '<abc@example.com>'],
    [null, `sha256:${hash}`],
    ['', `sha256:${hash}`],
    ['<not an id>', `sha256:${hash}`],
  ])('mailKeyOf(%j) → %j', (id, key) => {
    expect(mailKeyOf(id, hash)).toBe(key);
  });
});

describe('rejectedBeforeRules (rule 7 before any rule can be read)', () => {
  it.each<[string | null, RegExp | null]>([
    ['a@b.example', null],
    [null, /no valid sender address/],
  ])('from %j', (from, reason) => {
    const answer = rejectedBeforeRules(from);
    if (reason === null) expect(answer).toBeNull();
    else expect(answer).toMatch(reason);
  });
});

describe('a mail over INBOUND_MAX_BYTES: read from its header, with a note in place of its text', () => {
  it.each<[number, number, string, string]>([
    [17_000_000, 10 * MB, '16.2 MB', '10 MB'],
    [25 * MB + 1, 25 * MB, '25 MB', '25 MB'],
    [40 * MB + MB / 2, 25 * MB, '40.5 MB', '25 MB'],
    [2000, 1024, '2 kB', '1 kB'],
    [64 * 1024 + 1, 64 * 1024, '64 kB', '64 kB'],
  ])('%d bytes over %d: the note says %s over %s', (size, max, sized, limit) => {
    expect(oversizeNote(size, max)).toBe(`[This mail was ${sized}, over the help desk's limit of ${limit}, so its text and files were not read. Please send the text again, with smaller files or links to them.]`);
  });

  it('the log reason gives both sizes exactly', () => {
    expect(oversizeReason(10 * MB + 1, 10 * MB)).toBe('Larger than 10,485,760 bytes (INBOUND_MAX_BYTES): 10,485,761 bytes; read from its header only, its text and files were not read.');
  });
});

describe('ownAddressOf (rule 1): the help desk writing to itself', () => {
  const OWN = ['Helpdesk <helpdesk@helpdesk.example>', 'Support <Support@Helpdesk.Example>'];
  it.each<[string, readonly string[], string | null]>([
    ['helpdesk@helpdesk.example', OWN, 'helpdesk@helpdesk.example'],
    ['HELPDESK@helpdesk.EXAMPLE', OWN, 'helpdesk@helpdesk.example'],
    ['support@helpdesk.example', OWN, 'support@helpdesk.example'],
    [' support@helpdesk.example ', OWN, 'support@helpdesk.example'],
    ['carla@customer.example', OWN, null],
    ['support@helpdesk.example.evil', OWN, null],
    ['support+x@helpdesk.example', OWN, null],
    ['help@example.com', ['help@example.com'], 'help@example.com'],
    ['help@example.com', ['not a mailbox'], null],
    ['help@example.com', [], null],
  ])('%j among %j → %j', (from, own, expected) => {
    expect(ownAddressOf(from, own)).toBe(expected);
  });
});

describe('answeredStaffEmail (rule 5): an answer to an email sent to staff', () => {
  const CUSTOMER = ['created', 'assigned', 'reassigned', 'closed', 'reply'];
  it.each<[string[], string | null]>([
    [[], null],
    [['created'], null],
    [['created', 'reply'], null],
    [['sla_breached'], 'sla_breached'],
    [['created', 'sla_warning'], 'sla_warning'],
    [['password_reset'], 'password_reset'],
    [['webhook_disabled', 'sla_breached'], 'webhook_disabled'],
  ])('answering %j → %j', (kinds, expected) => {
    expect(answeredStaffEmail(kinds.map((kind) => ({ kind })), CUSTOMER)).toBe(expected);
  });
});

describe('threadText', () => {
  it.each<[string, string]>([
    ['Hello', 'Hello'],
    ['  Hello  \n\n', 'Hello'],
    ['line 1\r\nline 2\rline 3', 'line 1\nline 2\nline 3'],
    ['tab\tkept, NUL\u0000 bell\u0007 escape\u001b DEL\u007f gone', 'tab\tkept, NUL bell escape DEL gone'],
    ['', '(no text)'],
    [' \r\n\t ', '(no text)'],
    ['\u0000\u0001', '(no text)'],
  ])('%j → %j', (text, thread) => {
    expect(threadText(text)).toBe(thread);
  });

  it('keeps a text of exactly 50 000 characters whole', () => {
    const text = 'x'.repeat(MAIL_TEXT_MAX);
    expect(MAIL_TEXT_MAX).toBe(50_000);
    expect(threadText(text)).toBe(text);
  });

  it('cuts a longer text at 50 000 characters, saying so', () => {
    const thread = threadText('y'.repeat(MAIL_TEXT_MAX + 1));
    expect(thread.length).toBe(MAIL_TEXT_MAX);
    expect(thread).toMatch(/^y+\n\n\[… cut here: the whole text is in the original mail\]$/);
  });

  it('never cuts a character in two', () => {
    for (const shift of [0, 1]) {
      const thread = threadText('a'.repeat(shift) + '😀'.repeat(MAIL_TEXT_MAX));
      expect(thread.length).toBeLessThanOrEqual(MAIL_TEXT_MAX);
      expect(LONE_SURROGATE.test(thread), `shift ${shift}`).toBe(false);
    }
  });
});

describe('ticketFromMail (rule 6)', () => {
  const mail = { fromAddress: 'carla@example.com', fromName: 'Carla Customer', subject: 'Printer on fire', text: 'It burns.' };

  it('takes name, address, subject and text as they are', () => {
    expect(ticketFromMail(mail, 'medium')).toEqual({ name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It burns.', priority: 'medium' });
    expect(ticketFromMail(mail, 'high').priority).toBe('high');
  });

  it.each<[string, string]>([
    ['', 'carla'],
    ['   ', 'carla'],
    ['""', 'carla'],
    ['"Carla Customer"', 'Carla Customer'],
    ["'Carla'", 'Carla'],
    ['Carla\r\nBcc: victim@evil.test', 'Carla Bcc: victim@evil.test'],
    ['Zoë\u0000 Ünïcödé', 'Zoë Ünïcödé'],
    // A name that shows nothing (zero-width spaces, a Hangul filler) is no name: as the form refuses it.
    ['\u200b\u3164 \u200b', 'carla'],
    ['\u200bCarla\u200b', 'Carla'],
  ])('name %j → %j', (fromName, name) => {
    expect(ticketFromMail({ ...mail, fromName }, 'low').name).toBe(name);
  });

  it.each<[string, string]>([
    ['', '(no subject)'],
    ['  \t ', '(no subject)'],
    ['\u0000', '(no subject)'],
    ['\u200b \ufeff', '(no subject)'],
    ['Re: \u200bPrinter\u00ad', 'Printer'],
    ['Re:\r\n  folded\tsubject', 'folded subject'], // newTicketTitle: no reply prefix
    ['Bcc injection\r\nBcc: victim@evil.test', 'Bcc injection Bcc: victim@evil.test'],
  ])('subject %j → title %j', (subject, title) => {
    expect(ticketFromMail({ ...mail, subject }, 'low').title).toBe(title);
  });

  it('cuts the title at 200 and the name at 100 characters, never inside an emoji', () => {
    const ticket = ticketFromMail({ ...mail, fromName: '😀'.repeat(150), subject: '😀'.repeat(300) }, 'low');
    expect([...ticket.title]).toHaveLength(200);
    expect([...ticket.name]).toHaveLength(100);
    expect(LONE_SURROGATE.test(ticket.title + ticket.name)).toBe(false);
  });

  it('describes with the thread text: empty is (no text), long is cut', () => {
    expect(ticketFromMail({ ...mail, text: '' }, 'low').description).toBe('(no text)');
    expect(ticketFromMail({ ...mail, text: 'z'.repeat(60_000) }, 'low').description).toHaveLength(MAIL_TEXT_MAX);
  });

  it('trims the address', () => {
    expect(ticketFromMail({ ...mail, fromAddress: ' carla@example.com ' }, 'low').email).toBe('carla@example.com');
  });
});

describe('ingestWaves (a chunk of mails handled together, each wave at once)', () => {
  const m = (messageId: string | null, ...references: string[]) => ({ messageId, references });
  it.each<[string, ReturnType<typeof m>[], number[][]]>([
    ['an empty chunk', [], []],
    ['independent mails: one wave, in order', [m('<a@x>'), m('<b@x>'), m(null)], [[0, 1, 2]]],
    ['a mail answering an earlier one of the chunk waits for it', [m('<a@x>'), m('<b@x>', '<a@x>')], [[0], [1]]],
    ['a chain: three waves', [m('<a@x>'), m('<b@x>', '<a@x>'), m('<c@x>', '<x@y>', '<b@x>')], [[0], [1], [2]]],
    ['an answer to a mail outside the chunk goes in the first wave', [m('<a@x>', '<old@x>'), m('<b@x>')], [[0, 1]]],
    ['a later mail is never waited for (a reference forward)', [m('<a@x>', '<b@x>'), m('<b@x>')], [[0, 1]]],
    ['the same Message-ID twice: the second waits for the first only if it names it', [m('<a@x>'), m('<a@x>'), m('<c@x>', '<a@x>')], [[0, 1], [2]]],
    ['two answers to one mail share a wave', [m('<a@x>'), m('<b@x>', '<a@x>'), m('<c@x>', '<a@x>'), m('<d@x>')], [[0, 3], [1, 2]]],
  ])('%s', (_title, mails, waves) => {
    expect(ingestWaves(mails)).toEqual(waves);
  });
});

describe('senderMailKey: only the same sender\'s mail is a duplicate', () => {
  it.each([
    ['nobody holds it', '<a@x>', 'carla@c.example', null, '<a@x>'],
    ['the same sender (any letter case): the plain key, a duplicate', '<a@x>', 'carla@c.example', 'Carla@C.example', '<a@x>'],
    ['another sender: the id and the sender', '<a@x>', 'Carla@C.example', 'mallory@o.example', '<a@x> carla@c.example'],
    ['another sender with no address: qualified too', '<a@x>', 'carla@c.example', '', '<a@x> carla@c.example'],
    ['a hash key: the same bytes, never qualified', `sha256:${'a'.repeat(64)}`, 'carla@c.example', 'mallory@o.example', `sha256:${'a'.repeat(64)}`],
  ])('%s', (_label, key, address, holder, expected) => {
    expect(senderMailKey(key, address, holder)).toBe(expected);
  });

  it('stays within the column, and names its Message-ID', () => {
    const long = `<${'a'.repeat(980)}@x>`;
    expect(senderMailKey(long, `${'b'.repeat(300)}@c.example`, 'm@o.example')).toHaveLength(1000);
    expect(messageIdOfKey('<a@x> carla@c.example')).toBe('<a@x>');
    expect(messageIdOfKey('<a@x>')).toBe('<a@x>');
  });
});
