/**
 * `npm start` on a checkout whose dist/ does not match src/ (a source edited, or a release copied
 * without its files' times) compiles first (scripts/start.mjs). When that compile cannot be done,
 * the build that was there stays, and one line says why: before, the build deleted dist/ before it
 * had compiled anything, so a source that does not parse, esbuild's binary left out (`npm ci
 * --omit=optional`: exit 1 without a word) or esbuild missing (a stack trace, ERR_MODULE_NOT_FOUND)
 * left no dist/ to start from. Each case runs the real scripts in a small checkout of its own (the
 * entries scripts/build.mjs compiles, each a line), never this checkout's dist/.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OLD_BUILD = "console.log('the build made before ran');\n";

/**
 * A checkout of the build scripts with one-line sources, and a dist/ built before from other
 * sources (its stamp matches nothing); `esbuild`: what node_modules holds of it (`without binary`:
 * its JavaScript, as `npm ci --omit=optional` leaves it, without the platform's package).
 */
function checkout(esbuild: 'installed' | 'without binary' | 'missing', serverSource: string): string {
  const root = mkdtempSync(join(tmpdir(), 'helpdesk-start-fails-'));
  dirs.push(root);
  cpSync(join(ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
  writeFileSync(join(root, 'package-lock.json'), '{}\n');
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  for (const [file, text] of [['server.ts', serverSource], ['jobs/deliveryThreadMain.ts', 'export {};\n'], ['core/forecast.ts', 'export {};\n'], ['mail/inbound/parse.ts', 'export {};\n']] as const) {
    mkdirSync(dirname(join(root, 'src', file)), { recursive: true });
    writeFileSync(join(root, 'src', file), text);
  }
  mkdirSync(join(root, 'node_modules'));
  const installed = join(ROOT, 'node_modules', 'esbuild');
  if (esbuild === 'installed') symlinkSync(installed, join(root, 'node_modules', 'esbuild'));
  if (esbuild === 'without binary') for (const part of ['package.json', 'lib']) cpSync(join(installed, part), join(root, 'node_modules', 'esbuild', part), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'dist', 'server.js'), OLD_BUILD);
  writeFileSync(join(root, 'dist', '.built-from-src'), 'built from other sources\n');
  return root;
}

function start(root: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start when dist/ must be compiled first', () => {
  it.each([
    ['missing', 'esbuild is not installed'],
    ['without binary', 'The package "@esbuild/'],
  ] as const)('esbuild %s: one line saying so, exit 1, and the build made before is left as it was', async (esbuild, reason) => {
    const root = checkout(esbuild, "console.log('compiled now');\n");
    const run = await start(root);
    const lines = run.stderr.trim().split('\n');
    expect([run.code, lines]).toEqual([
      1,
      ['build: dist/ is missing or not built from src/ as it is now; compiling first (npm run build)…', expect.stringContaining(`build: cannot compile (${reason}`)],
    ]);
    expect(lines[1]).toContain('); dist/ is left as it was. Install with npm ci (not --omit=optional');
    expect(readFileSync(join(root, 'dist', 'server.js'), 'utf8')).toBe(OLD_BUILD);
  });

  it('a source that does not parse: esbuild says where, exit 1, and the build made before is left as it was', async () => {
    const root = checkout('installed', 'export const broken = ;\n');
    const run = await start(root);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('server.ts');
    expect(run.stderr).toContain('build: cannot compile (src/ does not compile: see above); dist/ is left as it was.');
    expect(readFileSync(join(root, 'dist', 'server.js'), 'utf8')).toBe(OLD_BUILD);
    expect(readdirSync(root).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json', 'scripts', 'src']);
  });

  it('a compile that succeeds replaces the build made before, and runs', async () => {
    const root = checkout('installed', "console.log('compiled now');\n");
    const run = await start(root);
    expect([run.code, run.stdout]).toEqual([0, 'compiled now\n']);
    expect(readFileSync(join(root, 'dist', 'server.js'), 'utf8')).not.toBe(OLD_BUILD);
    expect(existsSync(join(root, 'dist', '.built-from-src'))).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json', 'scripts', 'src']);
  });
});
