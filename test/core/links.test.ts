import { describe, expect, it } from 'vitest';
import { linkParts, type TextPart } from '../../src/core/links.js';

const link = (href: string): TextPart => ({ text: href, href });

describe('web addresses in text become links', () => {
  it.each<[string, string, TextPart[]]>([
    ['no address', 'The printer is on fire.', [{ text: 'The printer is on fire.' }]],
    ['empty text', '', [{ text: '' }]],
    ['an address alone', 'https://example.com/a', [link('https://example.com/a')]],
    ['in a sentence, its full stop left out', 'See https://example.com/a.', [{ text: 'See ' }, link('https://example.com/a'), { text: '.' }]],
    ['commas, question and exclamation marks', 'https://a.example/x, https://b.example/y?! ok', [link('https://a.example/x'), { text: ', ' }, link('https://b.example/y'), { text: '?! ok' }]],
    ['a query and a fragment kept', 'go to http://example.com/p?q=1&r=2#top now', [{ text: 'go to ' }, link('http://example.com/p?q=1&r=2#top'), { text: ' now' }]],
    ['in brackets', '(see https://example.com/a)', [{ text: '(see ' }, link('https://example.com/a'), { text: ')' }]],
    ['brackets of its own kept', 'https://en.wikipedia.org/wiki/Printer_(computing)', [link('https://en.wikipedia.org/wiki/Printer_(computing)')]],
    ['its own brackets, inside brackets', '(https://en.wikipedia.org/wiki/Printer_(computing))', [{ text: '(' }, link('https://en.wikipedia.org/wiki/Printer_(computing)'), { text: ')' }]],
    ['square brackets and a full stop', '[https://example.com/a].', [{ text: '[' }, link('https://example.com/a'), { text: '].' }]],
    ['in angle brackets', '<https://example.com/a>', [{ text: '<' }, link('https://example.com/a'), { text: '>' }]],
    ['in quotes', '"https://example.com/a"', [{ text: '"' }, link('https://example.com/a'), { text: '"' }]],
    ['on lines of their own', 'one\nhttps://a.example/\nhttps://b.example/', [{ text: 'one\n' }, link('https://a.example/'), { text: '\n' }, link('https://b.example/')]],
    ['capital letters in the scheme', 'HTTPS://EXAMPLE.COM/A', [link('HTTPS://EXAMPLE.COM/A')]],
    ['javascript: is text', 'javascript:alert(1)', [{ text: 'javascript:alert(1)' }]],
    ['data: is text', 'data:text/html,<b>x</b>', [{ text: 'data:text/html,<b>x</b>' }]],
    ['mailto: is text', 'mailto:carla@example.com', [{ text: 'mailto:carla@example.com' }]],
    ['a scheme with no host is text', 'http:// is the start', [{ text: 'http:// is the start' }]],
    ['inside a word is text', 'xhttps://example.com/', [{ text: 'xhttps://example.com/' }]],
    ['an address too long is text', `https://example.com/${'a'.repeat(2100)}`, [{ text: `https://example.com/${'a'.repeat(2100)}` }]],
    ['an address with a user name is as written', 'https://user@example.com/', [link('https://user@example.com/')]],
  ])('%s', (_what, text, parts) => {
    expect(linkParts(text)).toEqual(parts);
    expect(linkParts(text).map((p) => p.text).join('')).toBe(text);
  });
});
