/**
 * The Node.js versions the server runs on (issue 20 item 4), as package.json's `engines` says:
 * 20.19+ on the 20 line (its end of life was April 2026; kept for those who cannot move yet), 22.13+,
 * and 24, 25, 26 and later. The floor is what the locked packages accept (test/process/engines.test.ts).
 */
const FLOORS: Record<number, [number, number]> = { 20: [19, 0], 22: [13, 0] };
const REFUSED_LINES = new Set([21, 23]);
const OLDEST_LINE = 20;

/** Null when `version` (`v24.1.0` or `24.1.0`) is supported, else the one-line message to print at start. */
export function nodeVersionProblem(version: string): string | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  const supported = `Node.js 20.19+, 22.13+ or 24 and later (24 LTS recommended)`;
  if (!match) return `Helpdesk needs ${supported}; cannot read this Node.js version: ${version}`;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const floor = FLOORS[major];
  const tooOld = major < OLDEST_LINE || REFUSED_LINES.has(major) || (floor !== undefined && (minor < floor[0] || (minor === floor[0] && patch < floor[1])));
  if (tooOld) return `Helpdesk needs ${supported}; this is Node.js ${major}.${minor}.${patch}. Install a current LTS from https://nodejs.org/ and start again.`;
  // Lines newer than 26 are not refused: engines does not list them yet, but nothing known breaks.
  return null;
}
