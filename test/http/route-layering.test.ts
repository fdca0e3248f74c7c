/**
 * Routes read through repositories but write only through services (DESIGN: services own
 * transactions and the rules that go with a write). Every name a route imports from
 * src/repositories must be a function that writes nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROUTES = fileURLToPath(new URL('../../src/http/routes/', import.meta.url));
const WRITES = /\b(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(|\b(insert\s+into|delete\s+from)\b|\bupdate\s+\w+\s+set\b/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** `name`'s definition in a module: from `export … name` to the next top-level export. */
function definitionOf(source: string, name: string): string | undefined {
  const start = source.search(new RegExp(`^export (async )?(function|const|class) ${name}\\b`, 'm'));
  if (start < 0) return undefined;
  const rest = source.slice(start + 1);
  const next = rest.search(/^export /m);
  return next < 0 ? rest : rest.slice(0, next);
}

/** [route file, imported name, repository file] for every value a route imports from a repository. */
function repositoryImports(): [string, string, string][] {
  const found: [string, string, string][] = [];
  for (const file of sourceFiles(ROUTES)) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/^import (type )?\{([^}]*)\} from '([^']*\/repositories\/[^']*)\.js';/gm)) {
      if (match[1]) continue;
      const names = match[2]!.split(',').map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type '));
      for (const name of names) found.push([file.slice(ROUTES.length), name, resolve(dirname(file), `${match[3]}.ts`)]);
    }
  }
  return found;
}

describe('routes and repositories', () => {
  it('the check sees the routes’ repository imports', () => {
    expect(repositoryImports().length).toBeGreaterThan(10);
  });

  it('no route imports a repository function that writes', () => {
    const writers = repositoryImports()
      .filter(([, name, repository]) => {
        const definition = definitionOf(readFileSync(repository, 'utf8'), name);
        expect(definition, `${name} in ${repository}`).toBeDefined();
        return WRITES.test(definition!);
      })
      .map(([route, name]) => `${route}: ${name}`);
    expect(writers).toEqual([]);
  });
});
