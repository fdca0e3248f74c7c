import { describe, expect, it } from 'vitest';
import { type CcContext, type CcPerson, CC_MAX, ccOfEmail, ccOfRow, ccShortList, copiedAddressField, copiedAuthorName, copiesPeople, isCopied, mayChangeCopied, newCopiedPeople } from '../../src/core/mailCc.js';

const CONTEXT: CcContext = {
  customer: 'carla@customer.example',
  own: ['Helpdesk <help@desk.example>', 'replies@desk.example', 'billing@desk.example'],
  staff: ['Agent.Smith@desk.example'],
  existing: [],
};

const person = (address: string, name = ''): CcPerson => ({ address, name });

describe('newCopiedPeople: who of a customer’s To and Cc stay on the ticket', () => {
  it.each<[string, CcPerson[], Partial<CcContext>, string[]]>([
    ['a colleague on Cc', [person('dan@customer.example', 'Dan')], {}, ['dan@customer.example']],
    ['addresses lower-cased, spaces trimmed', [person('  Dan@Customer.EXAMPLE ')], {}, ['dan@customer.example']],
    ['never MAIL_FROM (named), MAIL_REPLY_TO or a topic address', [person('HELP@desk.example'), person('replies@desk.example'), person('billing@desk.example')], {}, []],
    ['never the customer, in any letter case', [person('Carla@Customer.example')], {}, []],
    ['never staff (ignored, in any letter case)', [person('agent.smith@DESK.example')], {}, []],
    ['never a mailbox nobody reads', [person('no-reply@customer.example'), person('postmaster@customer.example')], {}, []],
    ['never an invalid address', [person('dan'), person('a,b@customer.example')], {}, []],
    ['each address once (the first name kept)', [person('dan@customer.example', 'Dan'), person('DAN@customer.example', 'Daniel')], {}, ['dan@customer.example']],
    ['not one already copied', [person('dan@customer.example'), person('eve@customer.example')], { existing: ['Dan@customer.example'] }, ['eve@customer.example']],
    ['the cap counts those already copied', [person('a@x.example'), person('b@x.example'), person('c@x.example')], { existing: ['z@x.example'], max: 3 }, ['a@x.example', 'b@x.example']],
    ['nobody once the cap is reached', [person('a@x.example')], { existing: ['y@x.example', 'z@x.example'], max: 2 }, []],
    ['To then Cc order kept, excluded ones do not take room', [person('help@desk.example'), person('a@x.example'), person('b@x.example')], { max: 2 }, ['a@x.example', 'b@x.example']],
  ])('%s', (_title, recipients, context, expected) => {
    expect(newCopiedPeople(recipients, { ...CONTEXT, ...context }).map((p) => p.address)).toEqual(expected);
  });

  it(`keeps at most ${CC_MAX} per ticket`, () => {
    const many = Array.from({ length: 25 }, (_, i) => person(`p${i}@x.example`));
    expect(newCopiedPeople(many, CONTEXT)).toHaveLength(CC_MAX);
  });

  it('keeps the name on one line, without quotes, within 200 characters', () => {
    expect(newCopiedPeople([person('dan@x.example', ' "Dan\r\nBrown" ')], CONTEXT)[0]!.name).toBe('Dan Brown');
    expect([...newCopiedPeople([person('dan@x.example', 'é'.repeat(300))], CONTEXT)[0]!.name]).toHaveLength(200);
  });
});

describe('isCopied', () => {
  it.each<[string[], string, boolean]>([
    [['dan@x.example'], 'dan@x.example', true],
    [['dan@x.example'], ' DAN@x.Example ', true],
    [['dan@x.example'], 'dan+1@x.example', false],
    [[], 'dan@x.example', false],
  ])('%j has %s: %s', (copied, sender, expected) => {
    expect(isCopied(copied, sender)).toBe(expected);
  });
});

describe('copiedAuthorName: how a copied person signs their message', () => {
  it.each<[CcPerson, string]>([
    [person('dan@x.example', 'Dan Brown'), 'Dan Brown (dan@x.example)'],
    [person('Dan@X.example', ''), 'dan@x.example'],
    [person('dan@x.example', 'dan@x.example'), 'dan@x.example'],
    [person('dan@x.example', '"Dan"'), 'Dan (dan@x.example)'],
    // Within the 100 characters of a message's writer: the name is cut, never the address.
    [person('dan@x.example', 'N'.repeat(84)), `${'N'.repeat(84)} (dan@x.example)`],
    [person('dan@x.example', 'N'.repeat(85)), `${'N'.repeat(83)}… (dan@x.example)`],
    [person('dan@x.example', `${'N'.repeat(82)} Brown`), `${'N'.repeat(82)}… (dan@x.example)`],
    [person(`${'d'.repeat(90)}@x.example`, 'Dan'), `${'d'.repeat(90)}@x.example`],
    [person(`${'d'.repeat(120)}@x.example`, 'Dan'), 'd'.repeat(100)],
  ])('%j → %s', (p, expected) => {
    expect(copiedAuthorName(p)).toBe(expected);
  });
});

describe('ccOfEmail: the Cc header of an email to the customer', () => {
  it.each<[string, string[], boolean, string[]]>([
    ['the copied people', ['dan@x.example', 'eve@x.example'], false, ['dan@x.example', 'eve@x.example']],
    ['never the To address again', ['carla@customer.example', 'dan@x.example'], false, ['dan@x.example']],
    ['no address that could add a header or a recipient', ['dan@x.example\r\nBcc: m@evil.example', 'a@b.example, c@d.example'], false, []],
    ['repeats once', ['dan@x.example', 'DAN@x.example'], false, ['dan@x.example']],
    ['an automatic email skips mailboxes nobody reads', ['noreply@x.example', 'dan@x.example'], true, ['dan@x.example']],
    ['a reply (a person wrote it) keeps them', ['noreply@x.example'], false, ['noreply@x.example']],
  ])('%s', (_title, copied, automatic, expected) => {
    expect(ccOfEmail(copied, 'Carla@customer.example', automatic)).toEqual(expected);
  });
});

describe('ccOfRow: the Cc an outbox row was written with', () => {
  it.each<[string, string, string[]]>([
    ['none', '', []],
    ['one', 'dan@x.example', ['dan@x.example']],
    ['several, in order', 'eve@x.example,dan@x.example', ['eve@x.example', 'dan@x.example']],
    ['spaces and empty parts of a row written by hand', ' dan@x.example ,, eve@x.example,', ['dan@x.example', 'eve@x.example']],
  ])('%s', (_title, column, expected) => {
    expect(ccOfRow({ cc_addresses: column })).toEqual(expected);
  });
});

describe('ccShortList: the Cc in a row of the email list', () => {
  const cc = (n: number) => Array.from({ length: n }, (_, i) => `p${i}@x.example`);
  it.each<[number, number, number, number]>([
    // addresses, room → shown, more
    [0, 2, 0, 0],
    [2, 2, 2, 0],
    [3, 2, 3, 0], // "and 1 more" is no shorter than the address
    [4, 2, 2, 2],
    [10, 2, 2, 8],
    [10, 5, 5, 5],
  ])('%i addresses in room for %i: %i shown, %i more', (n, room, shown, more) => {
    const list = ccShortList(cc(n), room);
    expect(list).toEqual({ shown: cc(n).slice(0, shown), more });
  });
});

describe('taking a copied person off', () => {
  it.each<[string, { id: number; role: 'agent' | 'admin' }, number | null, boolean]>([
    ['the ticket’s agent', { id: 1, role: 'agent' }, 1, true],
    ['another agent', { id: 2, role: 'agent' }, 1, false],
    ['an agent on a pending ticket', { id: 2, role: 'agent' }, null, false],
    ['an admin, any ticket', { id: 3, role: 'admin' }, 1, true],
  ])('%s may: %s', (_title, writer, agentId, expected) => {
    expect(mayChangeCopied(writer, { agentId })).toBe(expected);
  });

  it.each<[unknown, ReturnType<typeof copiedAddressField>]>([
    [' Dan@X.example ', { address: 'dan@x.example' }],
    ['', { problem: 'Choose the copied person to remove.' }],
    [undefined, { problem: 'Choose the copied person to remove.' }],
    [['dan@x.example'], { problem: 'Choose the copied person to remove.' }],
    ['dan', { problem: 'Not an email address.' }],
  ])('the field %j → %j', (raw, expected) => {
    expect(copiedAddressField(raw)).toEqual(expected);
  });
});

describe('copiesPeople: which customer emails copy the ticket’s people', () => {
  it.each<[string, boolean]>([
    ['reply', true],
    ['closed', true],
    ['created', false],
    ['assigned', false],
    ['reassigned', false],
    ['sla_breached', false],
    ['sla_warning', false],
  ])('%s: %s', (kind, expected) => {
    expect(copiesPeople(kind)).toBe(expected);
  });
});
