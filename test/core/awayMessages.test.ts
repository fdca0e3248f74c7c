import { describe, expect, it } from 'vitest';
import { autoAwayTicketsNote, presenceChangedMessage } from '../../src/core/awayMessages.js';

describe('what an agent is told about its tickets on going away', () => {
  it.each([
    ['available', 0, 'You are available: new tickets come to you.'],
    ['away', 0, 'You are away: you keep your tickets but get no new ones.'],
    ['away', 1, 'You are away: your 1 open ticket went back to the queue (and to agents with room); you get no new ones.'],
    ['away', 3, 'You are away: your 3 open tickets went back to the queue (and to agents with room); you get no new ones.'],
  ] as const)('the switch to %s with %i released: %s', (presence, released, message) => {
    expect(presenceChangedMessage(presence, released)).toBe(message);
  });

  it.each([
    [false, 'You keep your tickets but get no new ones until you are back.'],
    [true, 'Your open tickets went back to the queue, and you get no new ones until you are back.'],
  ])('auto-away with release_on_logout %s: %s', (release, note) => {
    expect(autoAwayTicketsNote(release)).toBe(note);
  });
});
