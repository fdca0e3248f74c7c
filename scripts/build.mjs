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
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const STAMP = join(ROOT, 'dist', '.built-from-src');

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

export async function build() {
  const startedAt = Date.now();
  const sourcesAt = newestSourceMs();
  const sources = filesUnder(join(ROOT, 'src'));
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  const { build: esbuild } = await import('esbuild');
  try {
    await esbuild({
      entryPoints: sources.filter((file) => /\.tsx?$/.test(file)),
      outdir: join(ROOT, 'dist'),
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
    const target = join(ROOT, 'dist', relative(join(ROOT, 'src'), file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  writeFileSync(STAMP, `${sourcesAt}\n`);
  console.error(`build: src/ compiled to dist/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit((await build()) ? 0 : 1);
}
