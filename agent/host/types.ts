import type { UserDb } from './users.js';

export type FileKind = 'file' | 'dir' | 'symlink' | 'socket' | 'fifo' | 'block' | 'char' | 'other';

/** What checks need of a stat: numeric owner and mode bits, never names. */
export interface FileStat {
  kind: FileKind;
  mode: number; // permission bits only (mode & 0o7777)
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

export interface ReadOptions {
  /** Refuse files larger than this (default 4 MiB): configs are small, garbage can be huge. */
  maxBytes?: number;
}

export interface DirEntry {
  name: string;
  kind: FileKind;
}

/**
 * File access confined to the target root. Paths are absolute paths *as seen
 * on the target* ("/etc/passwd"); `..` is refused and symlinks resolve with
 * the root as "/", so nothing outside the root is ever read.
 */
export interface HostFs {
  readFile(path: string, opts?: ReadOptions): Promise<Buffer>;
  readText(path: string, opts?: ReadOptions): Promise<string>;
  /** Follows symlinks (within the root). Null when the path does not exist. */
  stat(path: string): Promise<FileStat | null>;
  /** Does not follow the last component. Null when the path does not exist. */
  lstat(path: string): Promise<FileStat | null>;
  readdir(path: string): Promise<DirEntry[]>;
  /** The target path after resolving every symlink inside the root. */
  realpath(path: string): Promise<string>;
  /** The path on the machine running the agent, for walkers that need raw fs access. */
  hostPath(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
}

export interface ExecOptions {
  timeoutMs: number;
  input?: string;
  /** Cap on captured stdout/stderr bytes (default 16 MiB). */
  maxBuffer?: number;
}

export interface ExecResult {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not produce a normal result. */
  failure?: 'not-found' | 'timeout' | 'killed' | 'spawn-error' | 'output-too-large';
  message?: string;
}

export interface HostIdentity {
  hostname: string;
  machineId: string;
  os: string;
  kernel: string;
}

export interface Host {
  /** The target root on the machine running the agent ("/" for live). */
  readonly root: string;
  readonly live: boolean;
  readonly fs: HostFs;
  /** Runs argv (never a shell string) with a timeout. Offline hosts refuse. */
  exec(argv: string[], opts: ExecOptions): Promise<ExecResult>;
  /** Users and groups from the target's own /etc/passwd and /etc/group. */
  users(): Promise<UserDb>;
  identity(): Promise<HostIdentity>;
}
