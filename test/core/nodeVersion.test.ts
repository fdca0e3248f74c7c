import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../src/core/nodeVersion.js';

describe('nodeVersionProblem (issue 20 item 4)', () => {
  it.each(['v20.19.0', 'v20.20.2', 'v22.13.0', 'v22.21.1', 'v24.0.0', 'v24.22.3', 'v25.1.0', 'v26.12.1', 'v27.0.0', '24.1.0'])('%s is supported', (version) => {
    expect(nodeVersionProblem(version)).toBeNull();
  });

  it.each([
    ['v18.20.4', '18.20.4'],
    ['v20.11.1', '20.11.1'],
    ['v20.12.0', '20.12.0'],
    ['v20.18.3', '20.18.3'],
    ['v21.7.3', '21.7.3'],
    ['v22.12.0', '22.12.0'],
    ['v23.11.0', '23.11.0'],
  ])('%s is refused in one line naming it and what to install', (version, shown) => {
    const problem = nodeVersionProblem(version)!;
    expect(problem).toContain(`this is Node.js ${shown}`);
    expect(problem).toContain('20.19+, 22.13+ or 24 and later');
    expect(problem).not.toContain('\n');
  });

  it('says so when it cannot read the version', () => {
    expect(nodeVersionProblem('banana')).toMatch(/cannot read this Node\.js version: banana$/);
  });
});
