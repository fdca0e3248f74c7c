/** Mail a group or list handed on (src/core/mailGroups.ts), table by table: the list's address and the author our group rewrote. */
import { describe, expect, it } from 'vitest';
import { groupAuthorOf, listAddressOf } from '../../src/core/mailGroups.js';
import { headers } from './support/mailHeaders.js';

describe('groupAuthorOf: the author of a mail whose From our own group rewrote', () => {
  const ours = (address: string) => ['support@h.example', 'help@h.example'].includes(address.toLowerCase());
  const GROUP = { address: 'support@h.example', name: "'Carla' via Support" };
  const CARLA = { address: 'carla@customer.example', name: 'Carla' };
  it.each<[string, { address: string; name: string }, { address: string; name: string }[], Record<string, string>, { address: string; name: string } | null]>([
    ['Reply-To names the author', GROUP, [CARLA], {}, CARLA],
    ['From in another letter case', { ...GROUP, address: 'Support@H.Example' }, [CARLA], {}, CARLA],
    ['Reply-To of ours first, then the author', GROUP, [{ address: 'help@h.example', name: '' }, CARLA], {}, CARLA],
    ['no Reply-To: X-Original-Sender', GROUP, [], { 'X-Original-Sender': 'carla@customer.example' }, { address: 'carla@customer.example', name: '' }],
    ['X-Original-Sender in brackets', GROUP, [], { 'X-Original-Sender': '<carla@customer.example>' }, { address: 'carla@customer.example', name: '' }],
    ['Reply-To before X-Original-Sender', GROUP, [CARLA], { 'X-Original-Sender': 'dan@customer.example' }, CARLA],
    ['Reply-To to the group alone: X-Original-Sender', GROUP, [GROUP], { 'X-Original-Sender': 'carla@customer.example' }, { address: 'carla@customer.example', name: '' }],
    ['nobody named', GROUP, [], {}, null],
    ['X-Original-Sender of ours', GROUP, [], { 'X-Original-Sender': 'help@h.example' }, null],
    ['X-Original-Sender no address', GROUP, [], { 'X-Original-Sender': 'Carla' }, null],
    // An ordinary mail the group handed on keeps its From, whatever its Reply-To.
    ['From not ours', CARLA, [{ address: 'dan@customer.example', name: 'Dan' }], { 'X-Original-Sender': 'dan@customer.example' }, null],
  ])('%s', (_title, from, replyTo, fields, author) => {
    expect(groupAuthorOf(from, replyTo, headers(fields), ours)).toEqual(author);
  });
});

describe('listAddressOf: the group or list that handed a mail on', () => {
  it.each<[Record<string, string>, string | null]>([
    [{}, null],
    [{ 'List-Post': '<mailto:Support@Helpdesk.Example>' }, 'support@helpdesk.example'],
    // Google Groups: a web address first, then the mailto.
    [{ 'List-Post': '<https://groups.google.com/a/h.example/group/support/post>, <mailto:support@h.example>' }, 'support@h.example'],
    [{ 'List-Post': '<mailto:list@lists.example?subject=help>' }, 'list@lists.example'],
    // RFC 2369: a list that takes no posts.
    [{ 'List-Post': 'NO (posting not allowed on this list)' }, null],
    [{ 'Mailing-list': 'list support@h.example; contact support+owners@h.example' }, 'support@h.example'],
    [{ 'List-Post': '<mailto:a@lists.example>', 'Mailing-list': 'list b@lists.example; contact x@lists.example' }, 'a@lists.example'],
    [{ 'Mailing-list': 'contact x@lists.example' }, null],
    // List-Id names a list but no address.
    [{ 'List-Id': '<support.h.example>' }, null],
  ])('%j → %j', (fields, address) => {
    expect(listAddressOf(headers(fields))).toBe(address);
  });
});
