/**
 * Imported first by the entry points: on an unsupported Node.js, one clear line and exit 1 before
 * anything else is loaded (src/core/nodeVersion.ts). A Node too old to even load the modules fails
 * earlier, with its own error.
 */
import { nodeVersionProblem } from './core/nodeVersion.js';

const problem = nodeVersionProblem(process.version);
if (problem !== null) {
  console.error(problem);
  process.exit(1);
}
