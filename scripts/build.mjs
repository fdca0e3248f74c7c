#!/usr/bin/env node
/**
 * `npm run build` (issue 20 item 5): compiles src/ to dist/ with esbuild (what tsx already uses, so
 * nothing new is installed; about a second instead of TypeScript's minute on two cores): the server
 * and the modules its threads run, bundled with most of their packages (ENTRIES, EXTERNAL), shared
 * and lazily loaded code in dist/chunks/; and copies what is not TypeScript (the browser's files in
 * public/, the threads' entry scripts); then stamps dist/ with the sources' fingerprint so `npm start` knows the build matches
 * them. Types are checked by `npm run typecheck` (CI runs it); esbuild only strips them. Exits 1
 * with esbuild's messages when a file does not parse.
 *
 * Bundled (4 December: one file per source, the packages loaded from node_modules), a start opens
 * about 220 files instead of 1,500 (the first answer came in 1.1–1.5 s on a quiet machine, about
 * half of it finding, reading and compiling modules; 0.8 s since: docs/performance.md).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where `npm run build` writes, and what `npm start` runs. */
export const DIST = join(ROOT, 'dist');

/** The stamp a build leaves in `dir`: the fingerprint of the sources it was compiled from. */
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

/** What a build is made from, under checkout `root`: src/'s files and the build's own settings. */
function inputsOf(root) {
  return [...filesUnder(join(root, 'src')), join(root, 'scripts', 'build.mjs'), join(root, 'package-lock.json')];
}

/**
 * The sources' fingerprint under checkout `root`: every input's path, size and modification time.
 * Not only the newest time: a file deleted, one added with an old time (`cp -p`, `tar x`, `rsync -a`
 * of a new release over an older build) or replaced by an older copy changes no newest time, yet
 * dist/ no longer matches.
 */
export function sourceFingerprint(root = ROOT) {
  const hash = createHash('sha256');
  for (const file of inputsOf(root).sort()) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(root, file)}\t${size}\t${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** Whether `dir` holds a build of the current sources of checkout `root` (its stamp is their fingerprint). */
export function builtFromCurrentSources(dir = DIST, root = ROOT) {
  if (!existsSync(stampOf(dir)) || !existsSync(join(dir, 'server.js'))) return false;
  return readFileSync(stampOf(dir), 'utf8').trim() === sourceFingerprint(root);
}

/** Stamps `dir` as built from the sources whose fingerprint is `fingerprint` (by default, as they are now). */
export function stampBuild(dir, fingerprint = sourceFingerprint()) {
  writeFileSync(stampOf(dir), `${fingerprint}\n`);
}

/**
 * What runs from dist/: the server, and the modules its worker threads load (each thread's plain
 * `.mjs` entry, copied beside it, imports the `.js` of the same name: src/threadModule.mjs). Code
 * two of them share is in dist/chunks/ (a thread still loads it anew: threads share no modules).
 */
const ENTRIES = ['server.ts', 'jobs/deliveryThreadMain.ts', 'core/forecast.ts', 'mail/inbound/parse.ts'];

/** The file in dist/ that lists what the bundles import at run time (see build). */
export const RUNTIME_IMPORTS = 'runtime-imports.json';

/** Stands in the banner for each output file's way up to dist/ (see build). */
const DIST_ROOT_MARK = '__hd_dist_root__';

/**
 * Packages left in node_modules, loaded at run time: native code (better-sqlite3, argon2), those
 * that start threads or read files by their own path (pino's transports, Swagger UI's pages), and
 * those the app loads only when needed (a mail server, a mailbox, single sign-on, two-factor
 * enrolment, the mail parser, PostgreSQL). Everything else is bundled: a start used to open about
 * 1,100 files of node_modules (kysely alone 265), and finding, reading and compiling them was about
 * half of the time to the first answer. (@fastify/swagger is bundled: the one file it reads by its
 * own path, its package.json, gives only a default title and version that the app sets itself; it
 * reads it inside a try and takes {} when it cannot.)
 */
export const EXTERNAL = [
  'better-sqlite3', 'argon2', 'pino', 'pino-pretty', 'thread-stream', '@fastify/swagger-ui',
  'pg', 'pg-native', 'nodemailer', 'imapflow', 'mailparser', 'html-to-text', 'openid-client', 'qrcode', 'tsx',
];

/**
 * The sources refer to files beside them through `import.meta.url` (the public/ directory, thread
 * entries, node_modules for createRequire). Inside a bundle that would be the bundle's own address,
 * so each source's `import.meta.url` becomes the address its own compiled file would have in dist/
 * (`__hdSourceUrl`, defined in every bundle's first lines relative to the bundle's place).
 */
function sourceUrls(srcDir) {
  return {
    name: 'source-urls',
    setup(builder) {
      builder.onLoad({ filter: /\.tsx?$/ }, (args) => {
        if (!args.path.startsWith(srcDir)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const own = relative(srcDir, args.path).replaceAll('\\', '/').replace(/\.tsx?$/, '.js');
        return { contents: text.replaceAll('import.meta.url', `__hdSourceUrl(${JSON.stringify(own)})`), loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
    },
  };
}

/**
 * Compiles src/ into `dir` (dist/; the tests' spawned servers use a directory of their own,
 * test/support/process.ts, so `npm run build` never pulls the files from under a running test):
 * one bundle per entry (ENTRIES) at the place its source has under src/, shared and lazily loaded
 * code in chunks/, and the files that are not TypeScript copied as they are (public/, the threads'
 * `.mjs` entries).
 * `dir` must be a direct child of the checkout: the compiled app finds node_modules at `../`.
 * The build is made beside it (`dir.building-<pid>`, as deep) and put in its place only once
 * complete: a build that cannot be made (a source that does not parse, esbuild or its binary not
 * installed) leaves the one there was, where it used to delete it first.
 */
export async function build(dir = DIST) {
  const startedAt = Date.now();
  const fingerprint = sourceFingerprint();
  const srcDir = join(ROOT, 'src');
  const sources = filesUnder(srcDir);
  const esbuild = await esbuildOrNull(dir);
  if (esbuild === null) return false;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  let outputs;
  let metafile;
  try {
    ({ outputFiles: outputs, metafile } = await esbuild({
      entryPoints: ENTRIES.map((entry) => join(srcDir, entry)),
      outdir: building,
      outbase: srcDir,
      // Shared modules and those loaded only when needed (import()) go to chunks of their own, so a
      // start reads only what it runs (the IMAP watcher, the delivery worker's inline mode…).
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      external: EXTERNAL,
      plugins: [sourceUrls(srcDir)],
      banner: {
        js: [
          "import { createRequire as __hdCreateRequire } from 'node:module';",
          // Bundled CommonJS packages call require (for node: modules and the external packages).
          'const require = __hdCreateRequire(import.meta.url);',
          `const __hdSourceUrl = (path) => new URL(path, new URL(${JSON.stringify(DIST_ROOT_MARK)}, import.meta.url)).href;`,
        ].join('\n'),
      },
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      // Whitespace and syntax only: a bundle's text stays in memory for as long as the process runs
      // (V8 compiles functions from it when first called), and names stay as written, so stack
      // traces still read as the sources do.
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: true,
      write: false,
      metafile: true,
      logLevel: 'warning',
    }));
  } catch (error) {
    // esbuild has printed what does not parse; anything else (its binary missing) is said here.
    cannotCompile(dir, Array.isArray(error?.errors) && error.errors.length > 0 ? 'src/ does not compile: see above' : firstLine(error));
    return false;
  }
  for (const output of outputs) {
    const place = relative(building, output.path);
    // Each file's way up to dist/ (the banner's mark: the banner is the same text in every file).
    const up = '../'.repeat(place.split(/[\\/]/).length - 1) || './';
    mkdirSync(dirname(output.path), { recursive: true });
    writeFileSync(output.path, output.path.endsWith('.js') ? output.text.replace(JSON.stringify(DIST_ROOT_MARK), JSON.stringify(up)) : output.contents);
  }
  // What the bundles still load at run time (node: modules and EXTERNAL), for the record and for
  // test/process/start.test.ts.
  const loaded = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
  writeFileSync(join(building, RUNTIME_IMPORTS), `${JSON.stringify([...new Set(loaded)].sort(), null, 1)}\n`);
  for (const file of sources) {
    if (/\.tsx?$/.test(file)) continue;
    const target = join(building, relative(srcDir, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  stampBuild(building, fingerprint);
  const previous = `${dir}.previous-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, previous);
  renameSync(building, dir);
  rmSync(previous, { recursive: true, force: true });
  console.error(`build: src/ compiled to ${relative(ROOT, dir)}/ in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return true;
}

/** esbuild's build function, or null when esbuild is not installed (said by cannotCompile). */
async function esbuildOrNull(dir) {
  try {
    return (await import('esbuild')).build;
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    cannotCompile(dir, 'esbuild is not installed');
    return null;
  }
}

/** The first line of an error's message. */
const firstLine = (error) => String(error instanceof Error ? error.message : error).split('\n')[0];

/**
 * Says in one line why no build was made (`reason`), that `dir` is left as it was, and the ways out:
 * a build tool missing (esbuild comes with tsx, a dependency, and its binary is an optional one,
 * which `npm ci --omit=optional` leaves out), or sources whose times changed since their build.
 */
function cannotCompile(dir, reason) {
  console.error(
    `build: cannot compile (${reason}); ${relative(ROOT, dir)}/ is left as it was. ` +
      "Install with npm ci (not --omit=optional: esbuild's binary is an optional dependency), or install a release with dist/ and src/ as they were built (rsync -a and tar keep the files' times).",
  );
}

// `node scripts/build.mjs [--out DIR] [--if-stale]`: DIR relative to the checkout (default dist);
// --if-stale leaves an up-to-date build as it is.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? join(ROOT, args[args.indexOf('--out') + 1] ?? 'dist') : DIST;
  if (args.includes('--if-stale') && builtFromCurrentSources(out)) process.exit(0);
  process.exit((await build(out)) ? 0 : 1);
}
