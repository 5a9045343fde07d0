/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountEntry {
  mountId: number;
  parentId: number;
  /** `major:minor` of the device st_dev of files in this mount reports (0:x for virtual/overlay). */
  dev: string;
  root: string;
  mountPoint: string;
  fsType: string;
  /** The mount source, e.g. /dev/sda1, or a name (tmpfs, overlay). */
  source: string;
}

/** Paths in mountinfo escape space, tab, newline and backslash as octal (\040). */
const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Parses mountinfo text. Fields: id parent major:minor root mountpoint options [optional…] - fstype source superopts.
 * Malformed lines are skipped (the kernel writes this file; a partial read must not crash a check).
 */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 3 || !/^\d+:\d+$/.test(fields[2] ?? '')) continue;
    out.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      dev: fields[2]!,
      root: unescape(fields[3]!),
      mountPoint: unescape(fields[4]!),
      fsType: fields[sep + 1]!,
      source: unescape(fields[sep + 2]!),
    });
  }
  return out;
}

/** Device paths used as swap, from /proc/swaps. */
export function parseSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((p) => p.startsWith('/'))
    .map(unescape);
}
