/**
 * How much of a reply's files its email can carry (SPEC §10.1, §9): mail servers take a message up
 * to a size of their own (Postfix 10,240,000 bytes by default, Exchange Online 35 MB, Gmail 25 MB),
 * counted as sent: files as base64 (a third more, and a line break every 76 characters), the text
 * and HTML parts, the headers. The help desk follows the server: the SIZE it advertises in its EHLO
 * answer (RFC 1870) when it does, else MAIL_MAX_MESSAGE_MB. Pure: no I/O.
 */

/**
 * A megabyte of MAIL_MAX_MESSAGE_MB: 1,000,000 bytes, the smaller reading, so that "10" stays
 * within Postfix's 10,240,000 as well as Exchange's 10 MiB.
 */
export const MAIL_MEGABYTE = 1_000_000;

/** MAIL_MAX_MESSAGE_MB's default: Postfix's and Exchange's default message size, the smallest common one. */
export const DEFAULT_MAIL_MAX_MESSAGE_MB = 10;

/**
 * The headers and MIME frame of a reply email besides its parts' contents: From, To, Cc, Subject,
 * Message-ID and up to four References (each up to 990 characters), the boundaries and part headers
 * of the text and HTML parts. 16 kB is more than all of them ever take.
 */
export const MESSAGE_FRAME_BYTES = 16 * 1024;

/**
 * One attached file's part besides its content: boundary, Content-Type and Content-Disposition with
 * a name of up to 255 characters, encoded (RFC 2231/2047 grows a non-Latin name up to 9 times), and
 * the line of the text and HTML parts that would have linked it.
 */
export const FILE_PART_BYTES = 4 * 1024;

/**
 * Before 2026-12-22 an email carried files up to 7 MB before encoding, whatever the server; the
 * text of an email written then links the others, so it is sent the way it was written.
 */
export const LEGACY_ATTACHMENT_BYTES = 7 * 1024 * 1024;

/** Bytes of `size` bytes as base64 with a CRLF after every 76 characters (how nodemailer sends files). */
export function base64Bytes(size: number): number {
  const chars = Math.ceil(size / 3) * 4;
  return chars + 2 * Math.ceil(chars / 76);
}

/**
 * The largest message the mail server takes: what it advertised (SIZE n) when it named a number,
 * else the setting. `SIZE` without a number (or 0) says there is no fixed limit (RFC 1870), but
 * whatever relays the email next still has one, so the setting stands.
 */
export function mailMessageLimit(advertised: number | null, settingBytes: number): number {
  return advertised !== null && advertised > 0 ? advertised : settingBytes;
}

/**
 * Bytes left for files in a message of at most `limit` bytes whose text and HTML parts hold
 * `textBytes` bytes (UTF-8): the frame and the parts taken off, the parts counted as base64 (the
 * larger of nodemailer's two encodings, whichever it picks).
 */
export function attachmentRoom(limit: number, textBytes: number): number {
  return Math.max(0, limit - MESSAGE_FRAME_BYTES - base64Bytes(textBytes));
}

/** What a file of `size` bytes takes of a message as it is sent. */
export function wireBytes(size: number): number {
  return base64Bytes(size) + FILE_PART_BYTES;
}

/**
 * Which of a reply's files (their sizes, in the message's order) travel in its email: each while
 * it still fits in what the earlier ones left of `room` (attachmentRoom), so a small file after a
 * large one is still attached; `cost` is what one takes (wireBytes; rows written before the room
 * followed the server count bytes as stored against LEGACY_ATTACHMENT_BYTES). The others are linked
 * to the request's page (mail/templates/reply.ts).
 */
export function attachedToMail(sizes: readonly number[], room: number, cost: (size: number) => number = wireBytes): boolean[] {
  let left = room;
  return sizes.map((size) => {
    if (cost(size) > left) return false;
    left -= cost(size);
    return true;
  });
}
