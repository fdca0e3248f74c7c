/**
 * A size in bytes as people read it, the one way every page and email writes it (a customer sees
 * the same file on the status page and linked from a reply email, and an agent quotes the size the
 * staff thread shows): `1 byte`, `812 bytes`, `14 kB`, `2.5 MB`, `10 MB`. Units of 1024, as the
 * limits themselves are (core/attachments.ts); `kB` as the SI symbol is spelled; rounded to the
 * nearest kilobyte, then to one decimal of a megabyte with a whole number written bare.
 */
const KB = 1024;
const MB = 1024 * 1024;

export function sizeInWords(bytes: number): string {
  if (bytes < KB) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const kilobytes = Math.round(bytes / KB);
  if (kilobytes < KB) return `${kilobytes} kB`;
  return `${Number((bytes / MB).toFixed(1)).toLocaleString('en')} MB`;
}
