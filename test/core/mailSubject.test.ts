/** A new ticket's title from a mail's subject (QA #7): reply and forward prefixes and our own keys left out, never empty. */
import { describe, expect, it } from 'vitest';
import { newTicketTitle, readsAsEncodedWord, withoutOurKeys } from '../../src/core/mailSubject.js';

describe('newTicketTitle', () => {
  it.each<[string, string]>([
    ['Printer on floor 3 is jammed', 'Printer on floor 3 is jammed'],
    ['Re: Printer on floor 3 is jammed', 'Printer on floor 3 is jammed'],
    ['RE: RE: re: Printer', 'Printer'],
    ['Re:Printer', 'Printer'],
    ['Re : Printer', 'Printer'],
    ['Re[2]: Printer', 'Printer'],
    ['Re(3): Printer', 'Printer'],
    ['AW: WG: Angebot für März', 'Angebot für März'],
    ['Aw: Antw: Fwd: FW: Offer', 'Offer'],
    ['SV: VS: Tilbud', 'Tilbud'],
    ['TR: RE: Devis', 'Devis'],
    ['RES: ENC: Orçamento', 'Orçamento'],
    ['Odp: Oferta', 'Oferta'],
    ['Re：全角コロン', '全角コロン'],
    // Our words after our key go with it (a stranger answering one of our emails).
    ['Re: [HD-6] An agent is on it: Screenshot of the error', 'Screenshot of the error'],
    ['AW: [HD-6] Your request is closed: Rechnung', 'Rechnung'],
    ['Fwd: [HD-7] Your request has a new agent: VPN', 'VPN'],
    ['[HD-8] We received your request: Re: [HD-6] An agent is on it: x', 'x'],
    ['Re: [hd-6] an agent is on it : Printer', 'Printer'],
    // Not without our key: a customer may write those words themselves.
    ['An agent is on it: thanks!', 'An agent is on it: thanks!'],
    ['Re: We received your request: but nothing happened', 'We received your request: but nothing happened'],
    ['Printer [HD-6] An agent is on it: still broken', 'Printer still broken'],
    ['[hd-12] re: [HD-3] Re: Invoice', 'Invoice'],
    ['Invoice [HD-4] wrong', 'Invoice wrong'],
    ['Invoice [HD-99999999999]', 'Invoice'],
    // Not a prefix: words that merely start like one, a prefix without its colon, other brackets.
    ['Return policy', 'Return policy'],
    ['Refund: order 42', 'Refund: order 42'],
    ['Fwd the invoice please', 'Fwd the invoice please'],
    ['Re order 42', 'Re order 42'],
    ['[Ticket 7] Re: Printer', '[Ticket 7] Re: Printer'],
    ['I: need a new password', 'I: need a new password'],
    // Never empty.
    ['', '(no subject)'],
    ['   ', '(no subject)'],
    ['Re:', '(no subject)'],
    ['Re: [HD-6]', '(no subject)'],
    ['Fwd: RE: ', '(no subject)'],
    // One line, control characters gone.
    ['Re: Printer\r\n on fire', 'Printer on fire'],
    ['Re:\tTabbed\u0000 title', 'Tabbed title'],
  ])('%j → %j', (subject, title) => {
    expect(newTicketTitle(subject)).toBe(title);
  });

  it('cuts at 200 characters, never inside an emoji, after the prefixes are gone', () => {
    expect(newTicketTitle(`Re: ${'x'.repeat(250)}`)).toBe('x'.repeat(200));
    const title = newTicketTitle(`Re: ${'😀'.repeat(250)}`);
    expect([...title]).toHaveLength(200);
    expect(title).toBe('😀'.repeat(200));
  });
});

describe('withoutOurKeys: a typed title without our own keys', () => {
  it.each<[string, string]>([
    // Without our key: exactly as typed, prefixes, other brackets and spaces included.
    ['Printer on fire', 'Printer on fire'],
    ['Re: invoice 42', 'Re: invoice 42'],
    ['R: setup  in   columns', 'R: setup  in   columns'],
    ['[Ticket 7] Printer', '[Ticket 7] Printer'],
    ['HD-6 printer', 'HD-6 printer'],
    ['[HD-] printer', '[HD-] printer'],
    ['An agent is on it: thanks', 'An agent is on it: thanks'],
    // Pasted from one of our emails: the key, our phrase after it and the prefixes before it go.
    ['[HD-6] printer', 'printer'],
    ['Re: [HD-6] printer', 'printer'],
    ['RE: AW: Fwd: [hd-6] printer', 'printer'],
    ['Re: [HD-6] An agent is on it: printer', 'printer'],
    ['[HD-8] We received your request: Re: [HD-6] Your request is closed: printer', 'printer'],
    ['Re[2]: [HD-6] printer', 'printer'],
    // Elsewhere in the title: the key alone goes, with one space left between the words around it.
    ['printer [HD-6] still broken', 'printer still broken'],
    ['printer [HD-6]', 'printer'],
    ['Re: printer [HD-6]', 'Re: printer'],
    ['Re: about [HD-6] An agent is on it: no', 'Re: about no'],
    // Nothing but keys: empty (core/tickets.ts refuses it).
    ['[HD-6]', ''],
    ['Re: [HD-6]', ''],
    [' Fwd: [HD-6]  [HD-7] ', ''],
    ['Re: [HD-6] An agent is on it:', ''],
  ])('%j → %j', (typed, title) => {
    expect(withoutOurKeys(typed)).toBe(title);
  });

  it('gives the same answer however often it is asked (no state kept between calls)', () => {
    expect(['[HD-1] a', '[HD-1] a', 'b [HD-2]', 'b [HD-2]'].map(withoutOurKeys)).toEqual(['a', 'a', 'b', 'b']);
  });
});

describe('a subject a mail reader would decode as an encoded word must be encoded itself', () => {
  it.each([
    ['[HD-1] Printer on fire', false],
    ['[HD-1] 2 = 3? no', false],
    ['[HD-1] =?utf-8?B?SGk=?=', true],
    ['[HD-1] odd =?', true],
    ['[HD-1] Drucker brennt', false],
  ])('%j → %j', (subject, encoded) => {
    expect(readsAsEncodedWord(subject)).toBe(encoded);
  });
});
