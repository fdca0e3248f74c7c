#!/usr/bin/env node
/**
 * `npm start` (issue 20 item 5): runs the compiled server, dist/server.js, building it first when
 * dist/ is missing or not built from src/ as it is now (a file changed, added or deleted, whatever
 * its time: scripts/build.mjs), so `npm install && npm start` works on a fresh clone and an edited
 * or upgraded checkout never runs stale code. The server then runs in this same process.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, builtFromCurrentSources, DIST } from './build.mjs';

if (!builtFromCurrentSources()) {
  console.error('build: dist/ is missing or not built from src/ as it is now; compiling first (npm run build)…');
  if (!(await build())) process.exit(1);
}
await import(pathToFileURL(join(DIST, 'server.js')).href);
