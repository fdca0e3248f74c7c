/** Mailboxes in configuration, the addresses automatic emails never go to, and when two addresses are one mailbox (SPEC §5, §7, §10). */
import { describe, expect, it } from 'vitest';
import { isUnattendedMailbox, parseMailbox, sameMailbox } from '../../src/core/mailboxes.js';

describe('isUnattendedMailbox', () => {
  const cases: [address: string, unattended: boolean][] = [
    ['MAILER-DAEMON@x', true],
    ['mailer-daemon@mail.example.com', true],
    ['Mailer_Daemon@mail.example.com', true],
    ['postmaster@example.com', true],
    ['PostMaster@example.com', true],
    ['no-reply@x', true],
    ['noreply@shop.example', true],
    ['NoReply@shop.example', true],
    ['no_reply@shop.example', true],
    ['no.reply@shop.example', true],
    ['noreply+orders@shop.example', true],
    ['noreply-billing@shop.example', true],
    ['donotreply@bank.example', true],
    ['do-not-reply@bank.example', true],
    ['Do_Not_Reply@bank.example', true],
    ['dont-reply@bank.example', true],
    ['carla@customer.example', false],
    ['reply@shop.example', false],
    ['carla+noreply@customer.example', false],
    ['post@example.com', false],
    ['postmaster-team@example.com', false],
    ['daemon@example.com', false],
    ['nora.reply@example.com', false],
    ['carla@noreply.example', false],
    ['carla@mailer-daemon.example', false],
    ['+noreply@example.com', false],
    ['', false],
  ];
  for (const [address, unattended] of cases) {
    it(`${JSON.stringify(address)} ${unattended ? 'is' : 'is not'} unattended`, () => {
      expect(isUnattendedMailbox(address)).toBe(unattended);
    });
  }
});

describe('parseMailbox', () => {
  const good: [value: string, name: string | null, address: string][] = [
    ['help@example.com', null, 'help@example.com'],
    ['  help@example.com  ', null, 'help@example.com'],
    ['Helpdesk <help@example.com>', 'Helpdesk', 'help@example.com'],
    ['"Acme Support" <support@acme.example>', 'Acme Support', 'support@acme.example'],
    ['<help@example.com>', null, 'help@example.com'],
    ['Helpdesk <helpdesk@localhost>', 'Helpdesk', 'helpdesk@localhost'],
    ['Zoë’s Desk <zoe@example.com>', 'Zoë’s Desk', 'zoe@example.com'],
  ];
  for (const [value, name, address] of good) {
    it(`reads ${JSON.stringify(value)}`, () => {
      expect(parseMailbox(value)).toEqual({ name, address });
    });
  }

  const bad = [
    '',
    'Helpdesk',
    'help at example.com',
    'a@b.example, c@d.example',
    'Helpdesk <a@b.example>, c@d.example',
    'help@example.com\r\nBcc: x@y.example',
    'Help\r\ndesk <help@example.com>',
    'Helpdesk <help@example.com',
    'Help <desk> <help@example.com>',
    'a@@b.example',
    `${'a'.repeat(250)}@b.example`,
  ];
  for (const value of bad) {
    it(`refuses ${JSON.stringify(value.slice(0, 60))}`, () => {
      expect(parseMailbox(value)).toBeNull();
    });
  }
});

describe('sameMailbox', () => {
  it.each<[string, string, boolean]>([
    ['carla@customer.example', 'Carla@Customer.EXAMPLE', true],
    ['åsa@team.test', 'ÅSA@TEAM.TEST', true],
    // A domain in another script, in its letters or its ASCII form (as Chromium's email field sends it).
    ['zoe@xn--bcher-kva.example', 'zoe@bücher.example', true],
    ['zoe@bücher.example', 'ZOE@XN--BCHER-KVA.EXAMPLE', true],
    ['zoe@BÜCHER.example', 'zoe@xn--bcher-kva.example', true],
    ['zoe@xn--bcher-kva.example', 'max@bücher.example', false],
    ['zoe@bücher.example', 'zoe@bucher.example', false],
    // The local part stays as written: only the domain has two spellings.
    ['jösé@example.com', 'josé@example.com', false],
    ['zoe@bücher.example:25', 'zoe@bücher.example', false],
    ['', '', true],
    ['', 'zoe@bücher.example', false],
  ])('%s and %s: %s', (a, b, same) => {
    expect(sameMailbox(a, b)).toBe(same);
    expect(sameMailbox(b, a)).toBe(same);
  });
});
