import { describe, expect, it } from 'vitest';
import { defaultPublicUrl, servedOverTls } from '../../src/core/publicUrl.js';

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

describe('servedOverTls: whether cookies must be Secure whatever NODE_ENV says', () => {
  it.each<[string, boolean]>([
    ['https://help.example.com', true],
    ['HTTPS://help.example.com/desk', true],
    [' https://help.example.com', true],
    ['http://help.example.com', false],
    ['http://127.0.0.1:8000', false],
    ['httpsx://help.example.com', false],
  ])('%s: %s', (url, tls) => {
    expect(servedOverTls(url)).toBe(tls);
  });
});
