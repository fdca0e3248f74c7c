/**
 * What an agent is told about its tickets on going away (R5): it keeps them, unless the setting
 * release_on_logout is on, when they went back to the queue (and on to agents with room). Pure.
 */

const tickets = (n: number) => `${n} open ticket${n === 1 ? '' : 's'}`;

/** The availability switch's message after the change; `released`: the open tickets R5 took back. */
export function presenceChangedMessage(presence: 'available' | 'away', released: number): string {
  if (presence === 'available') return 'You are available: new tickets come to you.';
  if (released > 0) return `You are away: your ${tickets(released)} went back to the queue (and to agents with room); you get no new ones.`;
  return 'You are away: you keep your tickets but get no new ones.';
}

/** The auto-away notice's word on the agent's tickets, whether release_on_logout took them back. */
export function autoAwayTicketsNote(releaseOnLogout: boolean): string {
  return releaseOnLogout ? 'Your open tickets went back to the queue, and you get no new ones until you are back.' : 'You keep your tickets but get no new ones until you are back.';
}
