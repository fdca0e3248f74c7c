import { describe, expect, it } from 'vitest';
import { agentTeamsOver, mergedList } from '../../src/core/teamForm.js';

describe("an agent's teams and skills saved from an older page (core/teamForm.ts)", () => {
  it.each<[string, string[], string[], string[], string[]]>([
    ['nothing changed by anyone', ['Support'], ['Support'], ['Support'], ['Support']],
    ['I add one', ['Support'], ['Support', 'Billing'], ['Support'], ['Support', 'Billing']],
    ['I remove one', ['Support', 'Billing'], ['Support'], ['Support', 'Billing'], ['Support']],
    ['someone else added one meanwhile; I add another: both stay', ['Support'], ['Support', 'Billing'], ['Support', 'Tech'], ['Support', 'Tech', 'Billing']],
    ['someone else removed one meanwhile; I change nothing of it: it stays removed', ['Support', 'Tech'], ['Support', 'Tech', 'Billing'], ['Support'], ['Support', 'Billing']],
    ['both added the same one: once', ['Support'], ['Support', 'Billing'], ['Support', 'Billing'], ['Support', 'Billing']],
    ['both removed the same one', ['Support', 'Billing'], ['Support'], ['Support'], ['Support']],
    ['I remove one someone else had removed and re-added: my removal counts (it is my change)', ['Support', 'Billing'], ['Support'], ['Billing', 'Support'], ['Support']],
    ['names in another letter case are the same', ['support'], ['SUPPORT', 'billing'], ['Support'], ['Support', 'billing']],
    ['everything unticked', ['Support', 'Billing'], [], ['Support', 'Billing', 'Tech'], ['Tech']],
  ])('%s', (_what, shown, posted, stored, merged) => {
    expect(mergedList(shown, posted, stored)).toEqual(merged);
  });

  it('merges both lists with what the page showed; without it, the lists go as posted (scripts, older pages)', () => {
    const stored = { teams: ['Support', 'Tech'], skills: ['German'] };
    const posted = { teams: ['Support', 'Billing'], skills: [] };
    expect(agentTeamsOver(posted, { teams: 'Support', skills: 'German' }, stored)).toEqual({ teams: ['Support', 'Tech', 'Billing'], skills: [] });
    expect(agentTeamsOver(posted, undefined, stored)).toEqual(posted);
    expect(agentTeamsOver(posted, {}, stored)).toEqual({ teams: ['Support', 'Tech', 'Billing'], skills: ['German'] });
  });
});
