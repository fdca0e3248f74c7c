import { describe, expect, it } from 'vitest';
import { allowedMethods, emptySegmentsOf, isApiPath } from '../../src/core/methods.js';

describe('405 for a method an API address does not have (src/core/methods.ts)', () => {
  it.each<[string, string[], string | null]>([
    ['/api/v1/settings', ['GET', 'HEAD', 'PATCH'], 'GET, HEAD, PATCH'],
    // Listed in one fixed order, whatever order the routes were registered in.
    ['/api/v1/tickets', ['POST', 'HEAD', 'GET'], 'GET, HEAD, POST'],
    ['/api/v1/teams/3', ['DELETE', 'PUT'], 'PUT, DELETE'],
    ['/api', ['GET'], 'GET'],
    // No method answers: a 404.
    ['/api/v1/nothing', [], null],
    // Pages keep their 404, whatever methods they have.
    ['/adminapp/settings/', ['GET', 'HEAD', 'POST'], null],
    ['/apiary', ['GET'], null],
    ['/', ['GET'], null],
  ])('%s with %j → %j', (path, has, expected) => {
    expect(allowedMethods(path, (method) => has.includes(method))).toBe(expected);
  });

  it.each([
    ['/api/v1/tickets', true],
    ['/api/', true],
    ['/api', true],
    ['/apis', false],
    ['/tickets/api/', false],
  ])('isApiPath(%j) is %j', (path, expected) => {
    expect(isApiPath(path)).toBe(expected);
  });
});

describe('an API address with an empty segment names no route (src/core/methods.ts)', () => {
  it.each<[string, string | null]>([
    // A trailing slash, or an empty parameter in the middle: the address without them.
    ['/api/v1/tickets/', '/api/v1/tickets'],
    ['/api/v1/tickets//close', '/api/v1/tickets/close'],
    ['/api/v1/agents//teams/', '/api/v1/agents/teams'],
    ['/api/v1//tickets', '/api/v1/tickets'],
    ['/api/v1/', '/api/v1'],
    // The API's document is an API address too (a JSON file, not a page).
    ['/api/openapi.json/', '/api/openapi.json'],
    ['/api/openapi.json//', '/api/openapi.json'],
    // Well-formed addresses, the docs (swagger-ui's own addresses end in a slash) and the pages.
    ['/api/v1/tickets', null],
    ['/api/v1/tickets/HD-1/close', null],
    ['/api/docs/', null],
    ['/api/docs/static/index.html', null],
    ['/tickets/', null],
  ])('%s → %j', (path, expected) => {
    expect(emptySegmentsOf(path)).toBe(expected);
  });
});
