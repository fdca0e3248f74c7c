/**
 * A copied person's name (from a mail's Cc, so anyone's words) stands beside their address: a
 * right-to-left name or one ending in punctuation reordered the address around it until it was
 * isolated in `<bdi>`.
 */
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { CopiedFact } from '../../src/views/copied.js';

describe('the copied people on a ticket', () => {
  it('isolate each name from the address beside it', () => {
    const html = renderToString(h(CopiedFact, { copied: [{ name: 'דנה לוי!', address: 'dana@example.com' }, { name: '', address: 'bare@example.com' }] }));
    expect(html).toContain('<bdi>דנה לוי!</bdi> ');
    expect(html.match(/<bdi>/g)).toHaveLength(1);
  });
});
