/**
 * An IMAP sequence set (RFC 9051 §9, `sequence-set`) naming these UIDs, runs of consecutive UIDs
 * written as ranges: `1:3,7,9:10`. A mailbox's UIDs are mostly consecutive, so the set stays short
 * however many mails it names; listed one by one, fourteen thousand of them already overflow the
 * line a server accepts (Dovecot: 64 KB), and the command is refused. Order and repeats do not
 * matter. Pure.
 */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
