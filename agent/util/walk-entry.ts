import { lstatSync, type Dirent, type Stats } from 'node:fs';
import { relOf, type DirRef } from './walk-paths.js';


export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

export interface WalkVisitor {
  /** Called for every entry below the start dir. Return false to not descend into a dir. */
  entry(e: WalkEntry): boolean | void;
  /**
   * Called when a dir has been listed (the start dir too), before any of its
   * entries: the visitor sees the whole listing's names at once (`has`).
   * Return false to visit none of its entries (nor walk below it).
   */
  listed?(d: ListedDir): boolean | void;
  /** A dir that could not be read or was swapped during the walk (reported, not fatal). */
  unreadable?(rel: string, code: string): void;
}

export interface WalkOptions {
  /** Stay on the start dir's filesystem (find -xdev). Default true. */
  xdev?: boolean;
  /** Label for the progress line. */
  label?: string;
  /** Stops the walk (between dirs and every few thousand entries); the stats say so. */
  signal?: AbortSignal;
  /**
   * Names (raw, latin1) of the non-dir entries the visitor wants to see; the
   * others are counted, not visited: no object, no call for each file of a
   * tree when only a few names matter. Default: every entry is visited.
   */
  fileNames?: ReadonlySet<string>;
  /** The start dir's entries are not counted in the stats (another walk listed and counted them). */
  rootUncounted?: boolean;
}

/** A dir another walk (of this process) holds open, to walk on its own: in a worker thread, say. */
export interface WalkFrom {
  /** That walk's open handle (worker threads share the process's fds) of the dir; the walk opens its own through it and leaves this one to its owner. */
  fd: number;
  /** What that handle was when handed over: the dir walked is this one or none. */
  dev: number;
  ino: number;
  /** Display names from the other walk's start down to the dir: its rel and depth in that walk. */
  shown: string[];
  exact: boolean;
  /** The mtime of the dir holding it (its ListedDir.parentMtimeMs). */
  parentMtimeMs: number;
}

export interface WalkStats {
  files: number;
  dirs: number;
  unreadable: number;
  /** The signal stopped the walk before the end. */
  aborted: boolean;
  /** Dirs known but not walked (pending when stopped, or over the pending limit). */
  notWalked: number;
}


/** One entry below the start dir, valid for the duration of the visitor call. */
export interface WalkEntry {
  /** Name for display: valid UTF-8 as is, other bytes as `\xNN`. */
  readonly name: string;
  /** The raw name (bytes). */
  readonly rawName: Buffer;
  /** The raw name as a string of one char per byte (latin1): what ListedDir.has takes. */
  readonly raw: string;
  /** Display path below the start dir ("a/b/c"), built on demand. */
  readonly rel: string;
  /** Display name of the dir holding it ("" for the start dir). */
  readonly parentName: string;
  readonly kind: EntryKind;
  readonly depth: number;
  /** Every name from the start dir down is valid UTF-8, so `start + "/" + rel` is its real path. */
  readonly exact: boolean;
  /**
   * A path that reaches this entry now, relative to the open handle of its
   * dir (`/proc/<pid>/fd/N/name`): no link is followed on the way, and it
   * stays short whatever the depth. Valid only during the call.
   */
  readonly fsPath: string | Buffer;
  /** The open dir holding the entry (`/proc/<pid>/fd/N`), valid only during the call. */
  readonly dirPath: string;
  /** lstat, cached; null when it vanished. A plain function: `const { stat } = e` works. */
  stat(): Stats | null;
}

export function kindOf(d: Dirent | Stats): EntryKind | null {
  if (d.isDirectory()) return 'dir';
  if (d.isFile()) return 'file';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isSocket() || d.isFIFO() || d.isBlockDevice() || d.isCharacterDevice()) return 'other';
  return null; // DT_UNKNOWN (some filesystems): needs an lstat
}

/**
 * A WalkEntry as one small object: what the listing gave, everything else
 * (the raw Buffer, the rel path, the fs path, the lstat) computed when
 * first asked. One object per entry and no closure unless `stat` is taken:
 * on a tree of small files the walk's cost is mostly these objects.
 */
export class Entry implements WalkEntry {
  /** The lstat: undefined until asked, null when the entry vanished. */
  st: Stats | null | undefined = undefined;
  private path: string | Buffer | undefined = undefined;
  private statFn: (() => Stats | null) | undefined = undefined;

  constructor(
    readonly name: string,
    /** The name, one char per byte (latin1). */
    readonly raw: string,
    /** The name's bytes when not ASCII (then raw is not the UTF-8 of anything). */
    private readonly bytes: Buffer | null,
    private readonly dir: DirRef,
    /** `/proc/<pid>/fd/N/` of the dir's open handle. */
    private readonly prefix: string,
    readonly kind: EntryKind,
    readonly exact: boolean,
  ) {}

  get rawName(): Buffer {
    return this.bytes ?? Buffer.from(this.raw, 'latin1');
  }

  get rel(): string {
    const up = relOf(this.dir);
    return up ? `${up}/${this.name}` : this.name;
  }

  get parentName(): string {
    return this.dir.shown;
  }

  get depth(): number {
    return this.dir.depth + 1;
  }

  get dirPath(): string {
    return this.prefix.slice(0, -1);
  }

  get fsPath(): string | Buffer {
    return (this.path ??= this.bytes ? Buffer.from(this.prefix + this.raw, 'latin1') : this.prefix + this.raw);
  }

  /** Bound to this entry, so visitors may destructure it. */
  get stat(): () => Stats | null {
    return (this.statFn ??= () => this.lstat());
  }

  lstat(): Stats | null {
    if (this.st === undefined) this.st = lstatSync(this.fsPath as string, { throwIfNoEntry: false }) ?? null;
    return this.st;
  }
}

/** A dir the walk has just listed, as a visitor's `listed` sees it (valid only during the call). */
export class ListedDir {
  private names: Set<string> | undefined = undefined;
  constructor(
    private readonly dir: DirRef,
    /** `/proc/<pid>/fd/N/` of its open handle. */
    private readonly prefix: string,
    /** Its listing; null when it was too large to hold (streamed). */
    private readonly listing: readonly Dirent[] | null,
  ) {}

  /** Display name ("" for the start dir). */
  get name(): string {
    return this.dir.shown;
  }
  /** Display path below the start dir ("" for the start dir). */
  get rel(): string {
    return relOf(this.dir);
  }
  get depth(): number {
    return this.dir.depth;
  }
  get exact(): boolean {
    return this.dir.exact;
  }
  /** Its mtime, from the fstat of its open handle (no stat of its own). */
  get mtimeMs(): number {
    return this.dir.mtimeMs;
  }
  /** The mtime of the dir holding it, likewise; null for the start dir. */
  get parentMtimeMs(): number | null {
    return this.dir.parent?.mtimeMs ?? null;
  }
  /** The open handle (`/proc/<pid>/fd/N`): `path + "/" + name` reaches an entry with no link followed on the way. */
  get path(): string {
    return this.prefix.slice(0, -1);
  }
  /** How many entries the listing holds; null when it was streamed, not held. */
  get size(): number | null {
    return this.listing ? this.listing.length : null;
  }
  /** Whether the listing holds this name (raw bytes as latin1; ASCII names as themselves); null when it was streamed, not held. */
  has(raw: string): boolean | null {
    if (!this.listing) return null;
    if (this.listing.length < 16) return this.listing.some((d) => d.name === raw);
    return (this.names ??= new Set(this.listing.map((d) => d.name))).has(raw);
  }
}
