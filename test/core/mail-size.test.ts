import { describe, expect, it } from 'vitest';
import { attachedToMail, attachmentRoom, base64Bytes, FILE_PART_BYTES, MESSAGE_FRAME_BYTES, mailMessageLimit } from '../../src/core/mailSize.js';

const MB = 1024 * 1024;

describe('base64Bytes: a file as it travels (base64, CRLF every 76 characters)', () => {
  it.each([
    [0, 0],
    [1, 4 + 2],
    [57, 76 + 2],
    [58, 80 + 4],
    [3 * MB, 4 * MB + 2 * Math.ceil((4 * MB) / 76)],
  ])('%i bytes → %i', (size, encoded) => {
    expect(base64Bytes(size)).toBe(encoded);
  });
});

describe('mailMessageLimit: the server’s advertised SIZE, else the setting', () => {
  it.each([
    ['the server says 35 MB (Exchange Online)', 35 * MB, 10 * MB, 35 * MB],
    ['the server says 10,240,000 (Postfix’s default)', 10_240_000, 25 * MB, 10_240_000],
    ['no SIZE in its EHLO answer: the setting', null, 10 * MB, 10 * MB],
    ['SIZE without a number (or 0): no declared limit, the setting', 0, 10 * MB, 10 * MB],
  ])('%s', (_name, advertised, setting, limit) => {
    expect(mailMessageLimit(advertised, setting)).toBe(limit);
  });
});

describe('attachmentRoom: what a message limit leaves for files once its text parts and headers are in', () => {
  it('takes the frame and the text parts (as base64, their largest) off the limit', () => {
    expect(attachmentRoom(10 * MB, 3000)).toBe(10 * MB - MESSAGE_FRAME_BYTES - base64Bytes(3000));
  });
  it('never below nothing', () => {
    expect(attachmentRoom(1000, 3000)).toBe(0);
  });
});

describe('attachedToMail: which files of a reply its email carries', () => {
  const cost = (size: number) => base64Bytes(size) + FILE_PART_BYTES;
  it.each([
    ['no files', [], 10 * MB, []],
    ['small files, all attached', [1000, 2000], 10 * MB, [true, true]],
    ['exactly the room', [3000], cost(3000), [true]],
    ['one byte short, linked', [3000], cost(3000) - 1, [false]],
    ['a small file after a large one that did not fit is still attached', [6 * MB, 20_000, 6 * MB, 500], 10 * MB, [true, true, false, true]],
    ['7 MB travels as 9.6 MB: attached in 9.7 MB of room', [7 * MB], 9.7 * MB, [true]],
    ['…linked in 9.5 MB', [7 * MB], 9.5 * MB, [false]],
    ['two 10 MB files, 35 MB of room (Exchange Online): both attached', [10 * MB, 10 * MB], 35 * MB, [true, true]],
    ['two 10 MB files, 25 MB of room (Gmail): one', [10 * MB, 10 * MB], 25 * MB, [true, false]],
  ])('%s', (_name, sizes, room, attached) => {
    expect(attachedToMail(sizes, room)).toEqual(attached);
  });
});
