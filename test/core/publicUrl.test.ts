import { describe, expect, it } from 'vitest';
import { defaultPublicUrl } from '../../src/core/publicUrl.js';

describe('the default PUBLIC_URL', () => {
  it.each([
    ['127.0.0.1', 8000, 'http://127.0.0.1:8000'],
    ['0.0.0.0', 8000, 'http://127.0.0.1:8000'],
    ['::', 8080, 'http://[::1]:8080'],
    ['[::]', 8080, 'http://[::1]:8080'],
    ['::1', 8000, 'http://[::1]:8000'],
    ['[::1]', 8000, 'http://[::1]:8000'],
    ['localhost', 3000, 'http://localhost:3000'],
  ])('HOST %s, PORT %i: %s', (host, port, url) => {
    expect(defaultPublicUrl(host, port)).toBe(url);
  });
});
