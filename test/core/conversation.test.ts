/**
 * The pure rules of conversations (SPEC §9), table by table: what staff and customers may write
 * and how it is checked, who may write where, whose turn it is, when a reply is held back, follow-up
 * titles and canned-reply placeholders.
 */
import { describe, expect, it } from 'vitest';
import {
  openFollowUp,
  movedAwayText,
  checkMayWrite,
  CUSTOMER_BODY_MAX,
  fillPlaceholders,
  followUpTitle,
  isPublic,
  isStale,
  seenOffThread,
  type MessageKind,
  maySee,
  type PlaceholderValues,
  STAFF_BODY_MAX,
  type StaffMessageInput,
  type StaffMessageKind,
  type TicketForWriting,
  validateCannedReply,
  validateCustomerMessage,
  validateStaffMessage,
  waitingOnAfter,
  type WaitingOn,
  type Writer,
} from '../../src/core/conversation.js';
import { DomainError } from '../../src/core/errors.js';

/** The per-field messages of the invalid_input a validator throws, or the value it returns. */
function outcome<T>(validate: () => T): { ok: T } | { fields: Record<string, string> } {
  try {
    return { ok: validate() };
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'invalid_input') throw error;
    return { fields: error.fields };
  }
}

const ok = (over: Partial<StaffMessageInput> = {}): { ok: StaffMessageInput } => ({ ok: { kind: 'reply', body: 'Hello', close: false, seen: null, ...over } });

describe('isPublic', () => {
  it.each<[MessageKind, boolean]>([
    ['customer', true],
    ['reply', true],
    ['note', false],
  ])('a %s message is public: %s', (kind, expected) => {
    expect(isPublic(kind)).toBe(expected);
  });
});

describe('validateStaffMessage', () => {
  it('the limit is 50 000 characters', () => {
    expect(STAFF_BODY_MAX).toBe(50_000);
  });

  it.each<[string, Record<string, unknown>, ReturnType<typeof outcome<StaffMessageInput>>]>([
    // kind
    ['a reply', { kind: 'reply', body: 'Hello' }, ok()],
    ['a note', { kind: 'note', body: 'Hello' }, ok({ kind: 'note' })],
    ['kind in any case and with spaces', { kind: ' NoTe ', body: 'Hello' }, ok({ kind: 'note' })],
    ['no kind at all is a reply (the form’s default)', { body: 'Hello' }, ok()],
    ['a forged kind: customer', { kind: 'customer', body: 'Hello' }, { fields: { kind: 'Send as: choose reply or note.' } }],
    ['a forged kind: anything', { kind: 'email', body: 'Hello' }, { fields: { kind: 'Send as: choose reply or note.' } }],
    ['an empty kind', { kind: '', body: 'Hello' }, { fields: { kind: 'Send as: choose reply or note.' } }],
    ['kind null', { kind: null, body: 'Hello' }, { fields: { kind: 'Send as: choose reply or note.' } }],
    ['kind of the wrong type', { kind: ['reply'], body: 'Hello' }, { fields: { kind: 'Send as: choose reply or note.' } }],
    // body
    ['no body', { kind: 'reply' }, { fields: { body: 'Message: write a message.' } }],
    ['a body of the wrong type', { kind: 'reply', body: 42 }, { fields: { body: 'Message: write a message.' } }],
    ['an empty body', { kind: 'reply', body: '' }, { fields: { body: 'Message: write a message.' } }],
    ['a whitespace-only body', { kind: 'reply', body: ' \t\r\n \u00a0\u2003' }, { fields: { body: 'Message: write a message.' } }],
    ['a body of zero-width spaces and direction marks only', { kind: 'reply', body: '\u200b\u200c\u202e\u2066 \u200b' }, { fields: { body: 'Message: write a message.' } }],
    ['a body kept as typed, spaces and all', { kind: 'reply', body: '  Hi\tthere  ' }, ok({ body: '  Hi\tthere  ' })],
    ['line ends made \\n', { kind: 'reply', body: 'a\r\nb\rc\nd' }, ok({ body: 'a\nb\nc\nd' })],
    ['a NUL', { kind: 'reply', body: 'a\u0000b' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['an escape sequence', { kind: 'note', body: '\u001b[31mred' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['a form feed', { kind: 'reply', body: 'page\u000cbreak' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['DEL', { kind: 'reply', body: 'x\u007f' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['control characters in a blank body: named as not text', { kind: 'reply', body: '  \u0001 ' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['a C1 control (CSI, the 8-bit escape)', { kind: 'reply', body: 'red\u009b31m' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['a C1 control (U+0080)', { kind: 'note', body: 'x\u0080y' }, { fields: { body: 'Message: the message holds characters that are not text.' } }],
    ['other Unicode is text, NEL (a line break) included', { kind: 'reply', body: 'Grüße 💥 \u0085 e\u0301' }, ok({ body: 'Grüße 💥 \u0085 e\u0301' })],
    ['exactly 50 000 characters', { kind: 'reply', body: 'x'.repeat(50_000) }, ok({ body: 'x'.repeat(50_000) })],
    ['50 001 characters', { kind: 'reply', body: 'x'.repeat(50_001) }, { fields: { body: 'Message: at most 50,000 characters (this one has 50,001).' } }],
    ['a CRLF counts as one character', { kind: 'reply', body: `${'x'.repeat(49_999)}\r\n` }, ok({ body: `${'x'.repeat(49_999)}\n` })],
    // close
    ['close as a boolean', { kind: 'reply', body: 'Hello', close: true }, ok({ close: true })],
    ['close as a checkbox', { kind: 'reply', body: 'Hello', close: 'on' }, ok({ close: true })],
    ['close as text, any case', { kind: 'reply', body: 'Hello', close: ' TRUE ' }, ok({ close: true })],
    ['close "1"', { kind: 'reply', body: 'Hello', close: '1' }, ok({ close: true })],
    ['close false', { kind: 'reply', body: 'Hello', close: false }, ok()],
    ['close "off" is not a yes', { kind: 'reply', body: 'Hello', close: 'off' }, ok()],
    ['close of another type is not a yes', { kind: 'reply', body: 'Hello', close: 1 }, ok()],
    ['close on a note', { kind: 'note', body: 'Hello', close: true }, { fields: { close: 'Reply and close: only a reply can close the ticket.' } }],
    ['close on a note, as a checkbox', { kind: 'note', body: 'Hello', close: 'on' }, { fields: { close: 'Reply and close: only a reply can close the ticket.' } }],
    ['close on a forged kind names the kind only', { kind: 'customer', body: 'Hello', close: true }, { fields: { kind: 'Send as: choose reply or note.' } }],
    // seen
    ['seen as a number', { kind: 'reply', body: 'Hello', seen: 42 }, ok({ seen: 42 })],
    ['seen as form text', { kind: 'reply', body: 'Hello', seen: ' 42 ' }, ok({ seen: 42 })],
    ['seen empty is not sent', { kind: 'reply', body: 'Hello', seen: '' }, ok()],
    ['seen null is not sent', { kind: 'reply', body: 'Hello', seen: null }, ok()],
    ['the largest id', { kind: 'reply', body: 'Hello', seen: '2147483647' }, ok({ seen: 2_147_483_647 })],
    ['seen "abc"', { kind: 'reply', body: 'Hello', seen: 'abc' }, { fields: { seen: 'Not a message id.' } }],
    ['seen 0', { kind: 'reply', body: 'Hello', seen: 0 }, { fields: { seen: 'Not a message id.' } }],
    ['seen negative', { kind: 'reply', body: 'Hello', seen: '-1' }, { fields: { seen: 'Not a message id.' } }],
    ['seen fractional', { kind: 'reply', body: 'Hello', seen: 1.5 }, { fields: { seen: 'Not a message id.' } }],
    ['seen in exponent form', { kind: 'reply', body: 'Hello', seen: 1e21 }, { fields: { seen: 'Not a message id.' } }],
    ['seen beyond any id', { kind: 'reply', body: 'Hello', seen: '2147483648' }, { fields: { seen: 'Not a message id.' } }],
    ['seen with other digits', { kind: 'reply', body: 'Hello', seen: '٤٢' }, { fields: { seen: 'Not a message id.' } }],
    ['seen of the wrong type', { kind: 'reply', body: 'Hello', seen: [42] }, { fields: { seen: 'Not a message id.' } }],
    // together
    [
      'every bad field at once',
      { kind: 'note', body: '', close: true, seen: 'abc' },
      { fields: { body: 'Message: write a message.', close: 'Reply and close: only a reply can close the ticket.', seen: 'Not a message id.' } },
    ],
  ])('%s', (_title, raw, expected) => {
    expect(outcome(() => validateStaffMessage(raw))).toEqual(expected);
  });
});

describe('validateCustomerMessage', () => {
  it('the limit is 10 000 characters', () => {
    expect(CUSTOMER_BODY_MAX).toBe(10_000);
  });

  it.each<[string, Record<string, unknown>, ReturnType<typeof outcome<{ body: string }>>]>([
    ['a message', { body: 'Still broken' }, { ok: { body: 'Still broken' } }],
    ['line ends made \\n', { body: 'a\r\nb' }, { ok: { body: 'a\nb' } }],
    ['exactly 10 000 characters', { body: 'x'.repeat(10_000) }, { ok: { body: 'x'.repeat(10_000) } }],
    ['10 001 characters', { body: 'x'.repeat(10_001) }, { fields: { body: 'Your message: at most 10,000 characters (this one has 10,001).' } }],
    ['no body', {}, { fields: { body: 'Your message: write a message.' } }],
    ['whitespace only', { body: '\n\n  ' }, { fields: { body: 'Your message: write a message.' } }],
    ['a NUL', { body: '\u0000' }, { fields: { body: 'Your message: the message holds characters that are not text.' } }],
    ['only characters that show nothing (zero-width space, marks of direction, BOM, word joiner, a Hangul filler) is blank', { body: '\u200b\u200f \u200e\ufeff\n\u2060\u3164' }, { fields: { body: 'Your message: write a message.' } }],
    ['a soft hyphen alone is blank', { body: '\u00ad' }, { fields: { body: 'Your message: write a message.' } }],
    ['text with them is kept as typed', { body: '\u200fשלום\u200f' }, { ok: { body: '\u200fשלום\u200f' } }],
    ['an emoji joined by zero-width joiners is text', { body: '👩\u200d👩\u200d👧' }, { ok: { body: '👩\u200d👩\u200d👧' } }],
    ['a kind is not the customer’s to choose: ignored', { body: 'Hi', kind: 'note' }, { ok: { body: 'Hi' } }],
  ])('%s', (_title, raw, expected) => {
    expect(outcome(() => validateCustomerMessage(raw))).toEqual(expected);
  });
});

const AGENT: Writer = { id: 1, role: 'agent' };
const ADMIN: Writer = { id: 9, role: 'admin' };
const TICKETS: Record<string, TicketForWriting> = {
  'own open': { status: 'open', agentId: 1 },
  'own closed': { status: 'closed', agentId: 1 },
  'another agent’s open': { status: 'open', agentId: 2 },
  'another agent’s closed': { status: 'closed', agentId: 2 },
  pending: { status: 'open', agentId: null },
  'closed while pending': { status: 'closed', agentId: null },
};

describe('maySee', () => {
  it.each<[string, Writer, string, boolean]>([
    ['an agent sees its own open ticket', AGENT, 'own open', true],
    ['an agent sees its own closed ticket', AGENT, 'own closed', true],
    ['an agent does not see another agent’s open ticket', AGENT, 'another agent’s open', false],
    ['an agent does not see another agent’s closed ticket', AGENT, 'another agent’s closed', false],
    ['an agent sees a pending ticket', AGENT, 'pending', true],
    ['an agent does not see a ticket closed while pending', AGENT, 'closed while pending', false],
    ...Object.keys(TICKETS).map((name): [string, Writer, string, boolean] => [`an admin sees ${name}`, ADMIN, name, true]),
  ])('%s', (_title, writer, ticket, expected) => {
    expect(maySee(writer, TICKETS[ticket]!)).toBe(expected);
  });
});

describe('checkMayWrite', () => {
  type Result = 'allowed' | 'forbidden' | 'conflict';
  const resultOf = (writer: Writer, ticket: TicketForWriting, kind: StaffMessageKind): Result => {
    try {
      checkMayWrite(writer, ticket, kind);
      return 'allowed';
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return error.code as Result;
    }
  };

  const WRITERS = { agent: AGENT, admin: ADMIN };
  it.each<[keyof typeof WRITERS, string, Result, Result]>([
    ['agent', 'own open', 'allowed', 'allowed'],
    ['agent', 'own closed', 'conflict', 'allowed'],
    ['agent', 'another agent’s open', 'forbidden', 'forbidden'],
    ['agent', 'another agent’s closed', 'forbidden', 'forbidden'],
    ['agent', 'pending', 'forbidden', 'allowed'],
    ['agent', 'closed while pending', 'forbidden', 'forbidden'],
    ['admin', 'own open', 'allowed', 'allowed'],
    ['admin', 'own closed', 'conflict', 'allowed'],
    ['admin', 'another agent’s open', 'allowed', 'allowed'],
    ['admin', 'another agent’s closed', 'conflict', 'allowed'],
    ['admin', 'pending', 'allowed', 'allowed'],
    ['admin', 'closed while pending', 'conflict', 'allowed'],
  ])('an %s on %s: reply %s, note %s', (writer, ticket, reply, note) => {
    expect(resultOf(WRITERS[writer], TICKETS[ticket]!, 'reply')).toBe(reply);
    expect(resultOf(WRITERS[writer], TICKETS[ticket]!, 'note')).toBe(note);
  });

  it('whose ticket it is goes by the agent’s id: agent 2 on agent 1’s open ticket is refused', () => {
    expect(() => checkMayWrite({ id: 2, role: 'agent' }, TICKETS['own open']!, 'reply')).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });
});

describe('waitingOnAfter', () => {
  it.each<[MessageKind, WaitingOn | null, 'open' | 'closed', WaitingOn | null]>([
    ['customer', 'customer', 'open', 'agent'],
    ['customer', 'agent', 'open', 'agent'],
    ['customer', null, 'open', 'agent'],
    ['reply', 'agent', 'open', 'customer'],
    ['reply', 'customer', 'open', 'customer'],
    ['note', 'agent', 'open', 'agent'],
    ['note', 'customer', 'open', 'customer'],
    ['note', null, 'open', null],
    ['customer', 'agent', 'closed', null],
    ['reply', 'agent', 'closed', null],
    ['note', 'customer', 'closed', null],
  ])('after a %s message, waiting on %s, %s ticket: %s', (kind, current, status, expected) => {
    expect(waitingOnAfter(kind, current, status)).toBe(expected);
  });
});

describe('isStale', () => {
  it.each<[string, StaffMessageKind, number | null, number | null, boolean]>([
    ['a reply after a newer public message', 'reply', 5, 6, true],
    ['a reply that saw the newest', 'reply', 6, 6, false],
    ['a reply that saw something later (a note)', 'reply', 7, 6, false],
    ['a reply without seen takes what is there', 'reply', null, 6, false],
    ['a reply on a thread with no public message', 'reply', 3, null, false],
    ['a note is never held back', 'note', 5, 6, false],
    ['a note without seen', 'note', null, 6, false],
  ])('%s', (_title, kind, seen, newest, expected) => {
    expect(isStale(kind, seen, newest)).toBe(expected);
  });
});

describe('seenOffThread', () => {
  // Ticket 7; the third value is the ticket the message `seen` is on (null: no such message).
  it.each<[string, StaffMessageKind, number | null, number | null, boolean]>([
    ["a reply that saw one of this ticket's messages", 'reply', 9, 7, false],
    ["another ticket's id (newer, or inside this thread: either would hide a message)", 'reply', 10, 8, true],
    ['an id of no message', 'reply', 11, null, true],
    ['a reply without seen', 'reply', null, null, false],
    ['a note ignores seen', 'note', 10, 8, false],
  ])('%s', (_title, kind, seen, ticketOfSeen, expected) => {
    expect(seenOffThread(kind, seen, ticketOfSeen, 7)).toBe(expected);
  });
});

describe('followUpTitle', () => {
  it.each<[string, string]>([
    ['Printer on fire', 'Re: Printer on fire'],
    ['Re: Printer on fire', 'Re: Printer on fire'],
    ['Re: Re: Printer on fire', 'Re: Printer on fire'],
    ['RE:re: Printer on fire', 'Re: Printer on fire'],
    ['re :  Re:Printer on fire', 'Re: Printer on fire'],
    ['  Re: Printer on fire  ', 'Re: Printer on fire'],
    ['Regarding the printer', 'Re: Regarding the printer'],
    ['Printer re: toner', 'Re: Printer re: toner'],
    ['Fwd: Re: Printer', 'Re: Fwd: Re: Printer'],
    // A title stored before typed titles lost our keys keeps none in its follow-up (no `[HD-43] … Re: [HD-6] …`);
    // one that is nothing but a key keeps it rather than become `Re: ` alone.
    ['Re: [HD-6] An agent is on it: Printer on fire', 'Re: Printer on fire'],
    ['Printer [HD-6] again', 'Re: Printer again'],
    ['[HD-6]', 'Re: [HD-6]'],
    // Other spellings of a reply prefix are a `Re:` too (no `Re: Re[2]:`, `Re: AW:`).
    ['Re[2]: Printer on fire', 'Re: Printer on fire'],
    ['RE(3): Printer on fire', 'Re: Printer on fire'],
    ['AW: Drucker brennt', 'Re: Drucker brennt'],
    ['Sv: Re: AW: Skrivare', 'Re: Skrivare'],
    ['Re： Printer', 'Re: Printer'],
    ['Antwort: Drucker', 'Re: Drucker'],
    // Not a reply prefix: a word that only starts like one, or a prefix that is also a word in typed titles.
    ['Aware: printer', 'Re: Aware: printer'],
    ['R: ggplot fails', 'Re: R: ggplot fails'],
    ['Ref: order 12', 'Re: Ref: order 12'],
    ['x'.repeat(200), `Re: ${'x'.repeat(196)}`],
    [`Re: ${'y'.repeat(200)}`, `Re: ${'y'.repeat(196)}`],
    // The cut never splits a character made of two UTF-16 units (half of one is stored as U+FFFD).
    [`${'z'.repeat(195)}😀 tail`, `Re: ${'z'.repeat(195)}`],
    [`${'z'.repeat(194)}😀 tail`, `Re: ${'z'.repeat(194)}😀`],
  ])('%j → %j', (title, expected) => {
    const result = followUpTitle(title);
    expect(result).toBe(expected);
    expect(result.length).toBeLessThanOrEqual(200);
    expect(result).not.toMatch(/^Re:\s*re\s*:/i);
    // A follow-up of a follow-up keeps the same title.
    expect(followUpTitle(result)).toBe(result);
  });
});

describe('fillPlaceholders', () => {
  const values: PlaceholderValues = { customer_name: 'Carla', reference: 'HD-42', agent_name: 'Ana Agent', status_url: 'http://helpdesk.test/tickets/status/abc/' };

  it.each<[string, string, string, Partial<PlaceholderValues>?]>([
    ['one placeholder', 'Hello {{customer_name}},', 'Hello Carla,'],
    ['all four', '{{customer_name}} {{reference}} {{agent_name}} {{status_url}}', 'Carla HD-42 Ana Agent http://helpdesk.test/tickets/status/abc/'],
    ['the same one twice', '{{reference}} / {{reference}}', 'HD-42 / HD-42'],
    ['spaces inside the braces', '{{ customer_name }} and {{\treference  }}', 'Carla and HD-42'],
    ['an unknown placeholder is kept as written', 'Dear {{first_name}}, about {{reference}}', 'Dear {{first_name}}, about HD-42'],
    ['another letter case is another name: kept', '{{Customer_Name}}', '{{Customer_Name}}'],
    ['a space inside the name: kept', '{{customer name}}', '{{customer name}}'],
    ['single braces: kept', '{customer_name}', '{customer_name}'],
    ['unclosed: kept', '{{customer_name}', '{{customer_name}'],
    ['no placeholder at all', 'Thanks!', 'Thanks!'],
    ['a value is not read again for placeholders', 'Hi {{customer_name}}', 'Hi {{reference}}', { customer_name: '{{reference}}' }],
    ['a value with replacement patterns is taken literally', 'Hi {{customer_name}}', "Hi $& $1 $' x", { customer_name: "$& $1 $' x" }],
    ['the result is plain text (shown escaped by whoever shows it)', '<b>{{customer_name}}</b>', '<b><script>x</script></b>', { customer_name: '<script>x</script>' }],
  ])('%s', (_title, text, expected, over = {}) => {
    expect(fillPlaceholders(text, { ...values, ...over })).toBe(expected);
  });
});

describe('validateCannedReply', () => {
  it.each<[string, Record<string, unknown>, ReturnType<typeof outcome<{ name: string; body: string }>>]>([
    ['a reply', { name: 'Greeting', body: 'Hello {{customer_name}}' }, { ok: { name: 'Greeting', body: 'Hello {{customer_name}}' } }],
    ['the name trimmed, the body kept', { name: '  Greeting  ', body: ' Hi ' }, { ok: { name: 'Greeting', body: ' Hi ' } }],
    ['100 characters of name', { name: 'n'.repeat(100), body: 'Hi' }, { ok: { name: 'n'.repeat(100), body: 'Hi' } }],
    ['101 characters of name', { name: 'n'.repeat(101), body: 'Hi' }, { fields: { name: 'Name: at most 100 characters.' } }],
    ['no name', { body: 'Hi' }, { fields: { name: 'Name: give the reply a name.' } }],
    ['a blank name', { name: '   ', body: 'Hi' }, { fields: { name: 'Name: give the reply a name.' } }],
    ['a name on two lines', { name: 'Greet\ning', body: 'Hi' }, { fields: { name: 'Name: one line of text, please.' } }],
    ['a blank body', { name: 'Greeting', body: ' ' }, { fields: { body: 'Text: write a message.' } }],
    ['50 000 characters of body', { name: 'Long', body: 'b'.repeat(50_000) }, { ok: { name: 'Long', body: 'b'.repeat(50_000) } }],
    ['50 001 characters of body', { name: 'Long', body: 'b'.repeat(50_001) }, { fields: { body: 'Text: at most 50,000 characters (this one has 50,001).' } }],
    ['both bad', { name: '', body: '\u0000' }, { fields: { name: 'Name: give the reply a name.', body: 'Text: the message holds characters that are not text.' } }],
  ])('%s', (_title, raw, expected) => {
    expect(outcome(() => validateCannedReply(raw))).toEqual(expected);
  });
});

describe('openFollowUp', () => {
  const f = (id: number, status: 'open' | 'closed') => ({ id, status });
  it.each([
    ['no follow-up', [], null],
    ['one open', [f(4, 'open')], 4],
    ['one closed', [f(4, 'closed')], null],
    ['the newest of two open (from before the rule)', [f(4, 'open'), f(9, 'open')], 9],
    ['an open one before a closed one', [f(4, 'open'), f(9, 'closed')], 4],
    ['in any order', [f(9, 'open'), f(4, 'open'), f(12, 'closed')], 9],
  ] as const)('%s', (_what, followUps, id) => {
    expect(openFollowUp(followUps)?.id ?? null).toBe(id);
  });
});

describe('movedAwayText', () => {
  it.each([
    ['moved by an admin', { type: 'reassigned', toName: 'Bob Builder', actorName: 'Root Admin', holderName: 'Bob Builder' }, 'HD-7 was moved to Bob Builder by Root Admin.'],
    ['moved by balancing', { type: 'reassigned', toName: 'Bob Builder', actorName: null, holderName: 'Bob Builder' }, 'HD-7 was moved to Bob Builder to balance the load.'],
    ['moved, then on again', { type: 'reassigned', toName: 'Bob Builder', actorName: 'Root Admin', holderName: 'Carol Clerk' }, 'HD-7 was moved to Bob Builder by Root Admin. Carol Clerk has it now.'],
    ['moved, then back to the queue', { type: 'reassigned', toName: 'Bob Builder', actorName: 'Root Admin', holderName: null }, 'HD-7 was moved to Bob Builder by Root Admin. It waits there for the next agent with room.'],
    ['sent back by an admin and taken', { type: 'requeued', toName: null, actorName: 'Root Admin', holderName: 'Bob Builder' }, 'HD-7 was sent back to the queue by Root Admin. Bob Builder has it now.'],
    ['released on logout and taken', { type: 'requeued', toName: null, actorName: null, holderName: 'Bob Builder' }, 'HD-7 was sent back to the queue. Bob Builder has it now.'],
  ] as const)('%s', (_what, move, text) => {
    expect(movedAwayText('HD-7', move)).toBe(text);
  });
});
