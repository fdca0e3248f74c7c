/**
 * `npm start` rebuilds dist/ whenever it is not built from the sources as they are (scripts/build.mjs).
 * It used to compare only the newest modification time, so a source deleted, or a new or changed
 * one carrying an older time (`tar x` or `rsync -a` of a release over a checkout built later,
 * `cp -p`), left the old build running.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain JavaScript script without types
import { builtFromCurrentSources, sourceFingerprint, stampBuild } from '../../scripts/build.mjs';

const fresh = builtFromCurrentSources as (dir: string, root: string) => boolean;
const stamp = stampBuild as (dir: string, fingerprint?: string) => void;
const fingerprint = sourceFingerprint as (root: string) => string;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Sets `file`'s times to a day ago (an older copy, as tar and rsync -a leave them). */
const aged = (file: string) => utimesSync(file, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));

let root: string;
let dist: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'helpdesk-stamp-'));
  dirs.push(root);
  dist = join(root, 'dist');
  mkdirSync(join(root, 'src', 'public'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  mkdirSync(dist);
  for (const [file, text] of [['src/server.ts', 'export {};\n'], ['src/public/app.css', 'a{}\n'], ['scripts/build.mjs', '\n'], ['package-lock.json', '{}\n']] as const) writeFileSync(join(root, file), text);
  writeFileSync(join(dist, 'server.js'), '\n');
  // The build's stamp, as `npm run build` leaves it: computed for this checkout.
  stamp(dist, fingerprint(root));
});

describe('whether dist/ is built from the current sources', () => {
  it('is, right after the build', () => {
    expect(fresh(dist, root)).toBe(true);
  });

  it.each([
    ['a source deleted', () => unlinkSync(join(root, 'src/public/app.css'))],
    ['a new source with an older time', () => {
      writeFileSync(join(root, 'src/added.ts'), 'export const x = 1;\n');
      aged(join(root, 'src/added.ts'));
    }],
    ['a source replaced by an older copy', () => {
      writeFileSync(join(root, 'src/server.ts'), 'export const changed = true;\n');
      aged(join(root, 'src/server.ts'));
    }],
    ['a source edited now', () => writeFileSync(join(root, 'src/server.ts'), 'export const edited = 1;\n')],
  ])('is not after %s', (_what, change) => {
    change();
    expect(fresh(dist, root)).toBe(false);
  });
});
