import { closeSync, lstatSync } from 'node:fs';

// Paths the walk reaches entries by: relative to open dir fds (openat
// semantics through /proc), byte names kept as latin1 strings.

/**
 * Where this process's open fds are in /proc. `/proc/<pid>` rather than
 * `/proc/self`: resolving the `self` link on every path costs as much as
 * the readdir itself on a tree of small dirs.
 */
let fdDirCache: string | undefined;
export function fdDir(): string {
  if (fdDirCache === undefined) {
    const own = `/proc/${process.pid}/fd`;
    let ok = false;
    try {
      ok = lstatSync(own).isDirectory() && lstatSync(`/proc/self/fd`).ino === lstatSync(own).ino;
    } catch {
      ok = false;
    }
    fdDirCache = ok ? own : '/proc/self/fd';
  }
  return fdDirCache;
}

/** How many dirs the walk holds open (the one it lists, the anchors, the subdirs opened from their parent). */
export interface FdCount {
  open: number;
}

/** An open dir fd that paths below it are resolved from (openat); closed when the last pending dir below it is done. */
export class Anchor {
  refs = 1;
  readonly prefix: string;
  constructor(
    readonly fd: number,
    private readonly count: FdCount,
  ) {
    this.prefix = `${fdDir()}/${fd}/`;
  }
  release(): void {
    if (--this.refs === 0) {
      closeSync(this.fd);
      this.count.open--;
    }
  }
}

/** A dir seen by the walk: parent links instead of full paths, so depth costs O(depth), not O(depth²). */
export interface DirRef {
  parent: DirRef | null;
  raw: string; // its own name, one char per byte (latin1); '' for the start
  shown: string;
  exact: boolean;
  depth: number;
  /**
   * Its own open handle, opened from its parent's handle (one name, no link
   * followed) while that was open; or -1: then it is reached from `anchor`
   * by path and checked against dev/ino when opened.
   */
  fd: number;
  anchor: Anchor | null;
  /** Bytes of the path from the anchor to it (0 when it is an anchor or has its own handle). */
  rawLen: number;
  dev: number;
  ino: number;
  size: number;
  /** Its mtime when it was opened (or lstat'd, when reached by path): a visitor's `listed` gets it without a stat. */
  mtimeMs: number;
}

export function relOf(d: DirRef | null): string {
  const parts: string[] = [];
  for (let r = d; r && r.parent; r = r.parent) parts.push(r.shown);
  return parts.reverse().join('/');
}

/** The path of `d` relative to its anchor, one char per byte. */
export function rawFromAnchor(d: DirRef): string {
  const parts: string[] = [];
  for (let r: DirRef | null = d; r && r.rawLen > 0; r = r.parent) parts.push(r.raw);
  return parts.reverse().join('/');
}

export const ASCII = /^[\x00-\x7f]*$/;
/**
 * A byte string (latin1: one char per byte) as a path fs takes: as is when
 * ASCII (the same bytes in UTF-8), else as a Buffer of exactly those bytes.
 * Names are read as latin1 strings rather than Buffers: a Buffer per name
 * costs more in garbage collection than the readdir itself.
 */
export const fsPathOf = (bytes: string): string | Buffer => (ASCII.test(bytes) ? bytes : Buffer.from(bytes, 'latin1'));

