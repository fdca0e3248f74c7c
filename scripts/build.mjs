#!/usr/bin/env node
/**
 * `npm run build` (issue 20 item 5): compiles src/ to dist/, one JavaScript file per source file
 * (no bundling: the module layout and `import.meta.url` paths stay as in src/), with esbuild (what
 * tsx already uses, so nothing new is installed; a second or two instead of TypeScript's minute on
 * two cores), and copies what is not TypeScript (the browser's files in public/, the mail parser's
 * worker script); then stamps dist/ so `npm start` knows the build matches the sources. Types are
 * checked by `npm run typecheck` (CI runs it); esbuild only strips them. Exits 1 with esbuild's
 * messages when a file does not parse.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where `npm run build` writes, and what `npm start` runs. */
export const DIST = join(ROOT, 'dist');

/** The stamp a build leaves in `dir`: the sources' newest time it was compiled from. */
function stampOf(dir) {
  return join(dir, '.built-from-src');
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** The newest modification time among src/'s files and the build's own settings. */
export function newestSourceMs() {
  const inputs = [...filesUnder(join(ROOT, 'src')), join(ROOT, 'scripts', 'build.mjs'), join(ROOT, 'package-lock.json')];
  return Math.max(...inputs.map((file) => statSync(file).mtimeMs));
}

/** Whether `dir` holds a build of the current sources (its stamp no older than any of them). */
export function builtFromCurrentSources(dir = DIST) {
  if (!existsSync(stampOf(dir)) || !existsSync(join(dir, 'server.js'))) return false;
  return Number(readFileSync(stampOf(dir), 'utf8').trim()) >= newestSourceMs();
}

/**
 * Compiles src/ into `dir` (dist/; the tests' spawned servers use a directory of their own,
 * test/support/process.ts, so `npm run build` never pulls the files from under a running test).
 * `dir` must be a direct child of the checkout: the compiled app finds node_modules at `../`.
 */
export async function build(dir = DIST) {
  const startedAt = Date.now();
  const sourcesAt = newestSourceMs();
  const sources = filesUnder(join(ROOT, 'src'));
  rmSync(dir, { recursive: true, force: true });
  const { build: esbuild } = await import('esbuild');
  try {
    await esbuild({
      entryPoints: sources.filter((file) => /\.tsx?$/.test(file)),
      outdir: dir,
      outbase: join(ROOT, 'src'),
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      sourcemap: true,
      logLevel: 'warning',
    });
  } catch {
    return false; // esbuild has printed what does not parse.
  }
  for (const file of sources) {
    if (/\.tsx?$/.test(file)) continue;
    const target = join(dir, relative(join(ROOT, 'src'), file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  writeFileSync(stampOf(dir), `${sourcesAt}\n`);
  console.error(`build: src/ compiled to ${relative(ROOT, dir)}/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return true;
}

// `node scripts/build.mjs [--out DIR] [--if-stale]`: DIR relative to the checkout (default dist);
// --if-stale leaves an up-to-date build as it is.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? join(ROOT, args[args.indexOf('--out') + 1] ?? 'dist') : DIST;
  if (args.includes('--if-stale') && builtFromCurrentSources(out)) process.exit(0);
  process.exit((await build(out)) ? 0 : 1);
}
