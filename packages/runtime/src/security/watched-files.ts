// Files read again while a component runs (certificates, bearer tokens, passwords), which a rotation may be
// rewriting at the moment they are read: content is accepted only when no write overlapped the read, and a
// change is told by the content itself, since a same-size rewrite within the file system's timestamp
// granularity leaves inode, size and mtime as they were.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** Inode, size, and change and modification times to the nanosecond; an error code for a file that is not there. */
function stamp(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/**
 * The content of each file, or undefined when one of them changed while they were read (a writer still at
 * work): the caller keeps what it had and reads again later. A file that cannot be read throws readFileSync's
 * error. A writer that truncates and writes in place can still be caught between two writes without a stamp
 * changing; renaming a complete file over the old one never can.
 */
export function readSettled(files: readonly string[]): Buffer[] | undefined {
  const before = files.map(stamp);
  const contents = files.map((file) => readFileSync(file));
  const after = files.map(stamp);
  return before.every((s, i) => s === after[i]) ? contents : undefined;
}

/** SHA-256 over the contents (each with its length), to tell whether files changed whatever their timestamps. */
export function contentDigest(contents: readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const content of contents) hash.update(`${content.length}:`).update(content);
  return hash.digest('hex');
}
