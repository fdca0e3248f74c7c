import { describe, expect, it } from 'vitest';
import {
  givenFilter,
  idFromReference,
  isEmailAddress,
  isSameSubmission,
  parsePriority,
  parseState,
  parseStatus,
  referenceOf,
  stateOf,
  statusStateConflict,
  holderConflict,
  unattendedConflict,
  parseHolder,
  validateNewTicket,
} from '../../src/core/tickets.js';
import { errorOf } from '../support/errors.js';

/** A valid ticket form, with any field replaced. */
function form(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    title: 'Printer on fire',
    description: 'It started after the update.\nPlease help.',
    priority: 'high',
    ...over,
  };
}


// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe('validateNewTicket accepts', () => {
  it.each<[string, Record<string, unknown>, Partial<Record<string, string>>]>([
    ['a plain valid form, unchanged', {}, { name: 'Ada Lovelace', title: 'Printer on fire', priority: 'high' }],
    ['a one-character name', { name: 'A' }, { name: 'A' }],
    ['a 100-character name', { name: 'n'.repeat(100) }, { name: 'n'.repeat(100) }],
    ['a name padded with spaces, trimmed to 100', { name: `  ${'n'.repeat(100)}  ` }, { name: 'n'.repeat(100) }],
    ['a one-character title', { title: 'T' }, { title: 'T' }],
    ['a 200-character title', { title: 't'.repeat(200) }, { title: 't'.repeat(200) }],
    ['a one-character description', { description: 'd' }, { description: 'd' }],
    ['a 10 000-character description', { description: 'd'.repeat(10_000) }, { description: 'd'.repeat(10_000) }],
    ['a description keeping its line breaks (as LF, one character each, like a message) and tabs', { description: 'line 1\r\nline 2\rline 3\n\tindented' }, { description: 'line 1\nline 2\nline 3\n\tindented' }],
    ['an email of exactly 254 characters', { email: `${'a'.repeat(242)}@example.com` }, { email: `${'a'.repeat(242)}@example.com` }],
    ['an email with plus, dots and subdomains', { email: 'first.last+tag@mail.example.co.uk' }, { email: 'first.last+tag@mail.example.co.uk' }],
    ['an email with surrounding spaces, trimmed', { email: '  ada@example.com ' }, { email: 'ada@example.com' }],
    ['an email, name and title with zero-width spaces, a BOM or a soft hyphen around them, trimmed', { email: '\ufeffada@example.com\u200b', name: '\u200bAda\u00ad', title: 'Printer\u2060' }, { email: 'ada@example.com', name: 'Ada', title: 'Printer' }],
    ['a description starting with a mark of direction, kept as typed', { description: '\u200fשלום' }, { description: '\u200fשלום' }],
    ['priority "high"', { priority: 'high' }, { priority: 'high' }],
    ['priority "Medium"', { priority: 'Medium' }, { priority: 'medium' }],
    ['priority "LOW"', { priority: 'LOW' }, { priority: 'low' }],
    ['priority "hIgH" with spaces', { priority: ' hIgH ' }, { priority: 'high' }],
    ['a title pasted from one of our emails, without our key and its reply prefix', { title: 'Re: [HD-6] An agent is on it: Printer' }, { title: 'Printer' }],
    ['a title with our key inside, without it', { title: 'Printer [HD-6] again' }, { title: 'Printer again' }],
    ['non-ASCII letters in name and title', { name: 'Zoë Ñúñez 山田', title: 'Ça ne marche pas' }, { name: 'Zoë Ñúñez 山田', title: 'Ça ne marche pas' }],
    ['a topic by name, trimmed', { topic: ' Billing ' }, { topic: 'Billing' }],
    ['a topic id as text', { topic: '2' }, { topic: '2' }],
    ['a topic id as a JSON integer, as its digits', { topic: 2 }, { topic: '2' }],
  ])('%s', (_title, over, expected) => {
    expect(validateNewTicket(form(over))).toMatchObject(expected);
  });

  it('extra fields are ignored and not returned', () => {
    const result = validateNewTicket(form({ agent: 'boss', status: 'closed', _csrf: 'x' }));
    expect(Object.keys(result).sort()).toEqual(['description', 'email', 'name', 'priority', 'title']);
  });
});

describe('validateNewTicket strips control characters from one-line fields', () => {
  it.each<[string, string, string]>([
    ['name', 'Ada\r\nBcc: victim@example.com', 'Ada'],
    ['name', 'Ada\u0000Lovelace', 'Ada'],
    ['title', 'Hello\r\nSubject: spoofed', 'Hello'],
    ['title', 'Tab\there\u007fand bell\u0007', 'Tab'],
    ['title', 'Next line\u0085Bcc: x@example.com', 'Next line'],
    ['title', '\n\nLeading breaks', 'Leading breaks'],
  ])('%s %j keeps its words but no control character', (field, value, start) => {
    const result = validateNewTicket(form({ [field]: value })) as unknown as Record<string, string>;
    const cleaned = result[field] ?? '';
    expect(cleaned).not.toMatch(CONTROL);
    expect(cleaned.startsWith(start)).toBe(true);
    expect(cleaned).not.toMatch(/^\s|\s$/);
  });

  it('a description loses NUL, bell, DEL and C1 controls but keeps line breaks and tab', () => {
    expect(validateNewTicket(form({ description: 'a\u0000b\u0007c\u007fd\u0085\u009b\r\ne\tf' })).description).toBe('abcd\ne\tf');
  });

  it.each<[string, string]>([
    ['half a pair, high', 'a\uD800b'],
    ['half a pair, low', 'a\uDC00b'],
    ['half a pair at the end', 'ab\uD83C'],
  ])('%s becomes U+FFFD in every field, and whole pairs stay', (_name, value) => {
    const result = validateNewTicket(form({ name: `${value} 🎫`, title: `${value} 🎫`, description: `${value} 🎫` }));
    const expected = `${value.replace(/[\uD800-\uDFFF]/, '\uFFFD')} 🎫`;
    expect([result.name, result.title, result.description]).toEqual([expected, expected, expected]);
  });
});

describe('validateNewTicket rejects', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a missing name', { name: undefined }, ['name']],
    ['an empty name', { name: '' }, ['name']],
    ['a name of only spaces', { name: '   ' }, ['name']],
    ['a name of only control characters', { name: '\r\n\u0000' }, ['name']],
    ['a 101-character name', { name: 'n'.repeat(101) }, ['name']],
    ['a missing email', { email: undefined }, ['email']],
    ['an email without @', { email: 'ada.example.com' }, ['email']],
    ['an email without a domain dot', { email: 'ada@localhost' }, ['email']],
    ['an email with a one-letter top-level domain', { email: 'ada@example.c' }, ['email']],
    ['an email with two @', { email: 'ada@lovelace@example.com' }, ['email']],
    ['an email with a space inside', { email: 'ada lovelace@example.com' }, ['email']],
    ['an email with a header injection', { email: 'ada@example.com\r\nBcc: x@example.com' }, ['email']],
    ['an email with angle brackets', { email: 'Ada <ada@example.com>' }, ['email']],
    ['an email of 255 characters', { email: `${'a'.repeat(243)}@example.com` }, ['email']],
    ['an empty title', { title: '' }, ['title']],
    ['a 201-character title', { title: 't'.repeat(201) }, ['title']],
    ['a title of only our key', { title: '[HD-6]' }, ['title']],
    ['a title of only our keys and reply prefixes', { title: 'Re: [HD-6] Fwd: [hd-7]' }, ['title']],
    ['an empty description', { description: '' }, ['description']],
    ['a description of only whitespace', { description: ' \n\t\r\n ' }, ['description']],
    ['a name, title and description of characters that show nothing (zero-width space, Hangul filler, BOM)', { name: '\u200b', title: '\u3164 \u200b', description: '\ufeff\n\u200b\u200f' }, ['description', 'name', 'title']],
    ['an email with a zero-width space inside', { email: 'ada\u200b@example.com' }, ['email']],
    ['a 10 001-character description', { description: 'd'.repeat(10_001) }, ['description']],
    ['a missing priority', { priority: undefined }, ['priority']],
    ['an unknown priority', { priority: 'urgent' }, ['priority']],
    ['an empty priority', { priority: '' }, ['priority']],
    ['a priority given twice (an array)', { priority: ['high', 'low'] }, ['priority']],
    ['a name given twice (an array)', { name: ['Ada', 'Eve'] }, ['name']],
    ['an email given twice (an array)', { email: ['ada@example.com', 'eve@example.com'] }, ['email']],
    ['a numeric title', { title: 42 }, ['title']],
    ['an object as description', { description: { text: 'hi' } }, ['description']],
    ['a boolean name', { name: true }, ['name']],
    ['a null priority', { priority: null }, ['priority']],
    ['a topic id that is not a whole number', { topic: 2.5 }, ['topic']],
    ['a topic id of 0', { topic: 0 }, ['topic']],
    ['a negative topic id', { topic: -3 }, ['topic']],
    ['a topic id past the safe integers', { topic: 2 ** 53 }, ['topic']],
    ['a topic name of 101 characters', { topic: 't'.repeat(101) }, ['topic']],
    [
      'every field bad at once, each named',
      { name: '', email: 'nope', title: 't'.repeat(201), description: '', priority: 'soon' },
      ['description', 'email', 'name', 'priority', 'title'],
    ],
    ['an entirely empty body, each field named', { name: undefined, email: undefined, title: undefined, description: undefined, priority: undefined }, ['description', 'email', 'name', 'priority', 'title']],
  ])('%s', (_title, over, badFields) => {
    const error = errorOf(() => validateNewTicket(form(over)));
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields).sort()).toEqual(badFields);
    for (const field of badFields) expect(error.fields[field]).toMatch(/\S/);
  });

  it('says which limit a too-long field broke', () => {
    const error = errorOf(() => validateNewTicket(form({ description: 'd'.repeat(10_001) })));
    expect(error.fields.description).toContain('10,000');
  });
});

describe('isEmailAddress', () => {
  it.each<[string, boolean]>([
    ['ada@example.com', true],
    ['a@b.io', true],
    ['josé@exämple.de', true],
    ['ada@example', false],
    ['@example.com', false],
    ['ada@', false],
    ['ada@.com', false],
    ['', false],
    ['ada@exa mple.com', false],
    ['ada@example.com\n', false],
    ['ada\u007f@example.com', false],
    ['ada\u0085@example.com', false],
    ['ada@exam\u200bple.com', false],
    // Typing mistakes that leave an empty part: mail to them never arrives.
    ['ada@gmail..com', false],
    ['ada@.gmail.com', false],
    ['ada@gmail.com.', false],
    ['ada@gmail.c.', false],
    // The name's dots are kept as typed, as a browser's email field does: older addresses of some
    // providers have them, and receive mail.
    ['taro..yamada@example.jp', true],
    ['taro.@example.jp', true],
    ['ada.lovelace@mail.example.co.uk', true],
    ['ada\u00ad@example.com', false],
  ])('%j → %s', (value, expected) => {
    expect(isEmailAddress(value)).toBe(expected);
  });
});

describe('case-insensitive vocabulary', () => {
  it.each<[string, unknown, string | null]>([
    ['high', 'high', 'high'],
    ['High', 'High', 'high'],
    ['MEDIUM', 'MEDIUM', 'medium'],
    ['lOw with spaces', '  lOw ', 'low'],
    ['unknown word', 'urgent', null],
    ['empty', '', null],
    ['a number', 1, null],
    ['undefined', undefined, null],
    ['an array', ['high'], null],
  ])('parsePriority: %s', (_title, raw, expected) => {
    expect(parsePriority(raw)).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['open', 'open'],
    ['Open', 'open'],
    ['OPEN', 'open'],
    ['cLoSeD', 'closed'],
    ['pending', null],
    ['', null],
    [null, null],
  ])('parseStatus(%j) → %j', (raw, expected) => {
    expect(parseStatus(raw)).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['pending', 'pending'],
    ['PENDING', 'pending'],
    ['Open', 'open'],
    ['CLOSED', 'closed'],
    ['assigned', null],
    ['', null],
    [['open'], null],
  ])('parseState(%j) → %j', (raw, expected) => {
    expect(parseState(raw)).toBe(expected);
  });
});

describe('stateOf', () => {
  it.each<[string, { status: 'open' | 'closed'; agentId: number | null }, string]>([
    ['open without an agent is pending', { status: 'open', agentId: null }, 'pending'],
    ['open with an agent is open', { status: 'open', agentId: 3 }, 'open'],
    ['closed with an agent is closed', { status: 'closed', agentId: 3 }, 'closed'],
    ['closed without an agent is still closed', { status: 'closed', agentId: null }, 'closed'],
  ])('%s', (_title, ticket, expected) => {
    expect(stateOf(ticket)).toBe(expected);
  });
});

describe('statusStateConflict: a status and a state filter that no ticket can match both', () => {
  it.each<['open' | 'closed' | undefined, 'pending' | 'open' | 'closed' | undefined, string | null]>([
    ['open', 'pending', null],
    ['open', 'open', null],
    ['open', 'closed', 'Status open and state closed never match: choose one.'],
    ['closed', 'closed', null],
    ['closed', 'pending', 'Status closed and state pending never match: choose one.'],
    ['closed', 'open', 'Status closed and state open never match: choose one.'],
    [undefined, 'closed', null],
    ['closed', undefined, null],
    [undefined, undefined, null],
  ])('status %s, state %s', (status, state, expected) => {
    expect(statusStateConflict(status, state)).toBe(expected);
  });
});

describe('references', () => {
  it.each<[number, string]>([
    [1, 'HD-1'],
    [42, 'HD-42'],
    [1_000_000, 'HD-1000000'],
  ])('referenceOf(%i) is %s and reads back', (id, reference) => {
    expect(referenceOf(id)).toBe(reference);
    expect(idFromReference(reference)).toBe(id);
  });

  it.each<[string, number | null]>([
    ['HD-42', 42],
    ['hd-42', 42],
    ['Hd-7', 7],
    [' HD-42 ', 42],
    ['HD-', null],
    ['HD-4a', null],
    ['HD-+4', null],
    ['HD--4', null],
    ['HD-4.5', null],
    ['42', null],
    ['XX-42', null],
    ['HD42', null],
    ['HD-1234567890123456', null],
    ['', null],
  ])('idFromReference(%j) → %j', (reference, expected) => {
    expect(idFromReference(reference)).toBe(expected);
  });
});

describe('a form sent again is the same submission only when nothing in it changed', () => {
  const input = { name: 'Carla', email: 'carla@example.com', title: 'Jam', description: 'Stuck.', priority: 'low' as const };
  const stored = { customer_name: 'Carla', customer_email: 'carla@example.com', title: 'Jam', description: 'Stuck.', priority: 'low' as const };
  it.each([
    ['nothing changed', {}, true],
    ['the topic aside', { topic: 'Billing' }, true],
    ['the name', { name: 'Carla B.' }, false],
    ['the address, letter case too', { email: 'Carla@example.com' }, false],
    ['the title', { title: 'Jam!' }, false],
    ['the description', { description: 'Stuck. Smoking.' }, false],
    ['the priority', { priority: 'high' as const }, false],
  ])('%s', (_what, change, same) => {
    expect(isSameSubmission({ ...input, ...change }, stored)).toBe(same);
  });
});

describe('givenFilter', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['  ', undefined],
    ['\t', undefined],
    ['ana', 'ana'],
    ['Ana', 'Ana'],
    [' ana', ' ana'],
  ])('givenFilter(%j) → %j', (raw, expected) => {
    expect(givenFilter(raw)).toBe(expected);
  });
});

describe('holderConflict: a holder filter beside a status or state that no held ticket has', () => {
  it.each<['available' | 'unavailable' | undefined, 'open' | 'closed' | undefined, 'pending' | 'open' | 'closed' | undefined, string | null]>([
    [undefined, 'closed', 'pending', null],
    ['unavailable', undefined, undefined, null],
    ['unavailable', 'open', undefined, null],
    ['available', 'open', 'open', null],
    ['unavailable', undefined, 'open', null],
    ['unavailable', 'closed', undefined, 'Closed tickets are held by nobody: choose open tickets, or any holder.'],
    ['available', undefined, 'closed', 'Closed tickets are held by nobody: choose open tickets, or any holder.'],
    ['available', 'open', 'pending', 'Waiting tickets are held by nobody: choose assigned tickets, or any holder.'],
    ['unavailable', undefined, 'pending', 'Waiting tickets are held by nobody: choose assigned tickets, or any holder.'],
  ])('holder %s, status %s, state %s', (holder, status, state, expected) => {
    expect(holderConflict(holder, status, state)).toBe(expected);
  });

  it.each<[unknown, string | null]>([
    ['unavailable', 'unavailable'],
    ['Available', 'available'],
    ['away', null],
    ['', null],
    [undefined, null],
  ])('parseHolder(%j) is %j', (raw, expected) => {
    expect(parseHolder(raw)).toBe(expected);
  });
});

describe('unattendedConflict: an unattended filter beside a status, state or holder that no waiting ticket has', () => {
  it.each<[boolean | undefined, 'open' | 'closed' | undefined, 'pending' | 'open' | 'closed' | undefined, 'available' | 'unavailable' | undefined, string | null]>([
    [undefined, 'closed', 'open', 'available', null],
    [true, undefined, undefined, undefined, null],
    [false, 'open', 'pending', undefined, null],
    [true, 'closed', undefined, undefined, 'Closed tickets do not wait: choose waiting tickets, or leave this empty.'],
    [false, undefined, 'closed', undefined, 'Closed tickets do not wait: choose waiting tickets, or leave this empty.'],
    [true, 'open', 'open', undefined, 'Assigned tickets do not wait: choose waiting tickets, or leave this empty.'],
    [true, undefined, undefined, 'unavailable', 'Assigned tickets do not wait: choose waiting tickets, or leave this empty.'],
  ])('unattended %s, status %s, state %s, holder %s', (unattended, status, state, holder, expected) => {
    expect(unattendedConflict(unattended, status, state, holder)).toBe(expected);
  });
});
