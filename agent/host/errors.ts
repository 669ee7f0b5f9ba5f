// Errors a Host raises carry a stable `code` so checks can turn them into
// precise `error` findings ("unreadable", "is a directory", ...).
export type HostErrorCode =
  | 'ENOENT'
  | 'EACCES'
  | 'EISDIR'
  | 'ENOTREG'
  | 'ETOOBIG'
  | 'ESCAPE'
  | 'ELOOP'
  | 'EOFFLINE'
  | 'EIO';

export class HostError extends Error {
  readonly code: HostErrorCode;
  readonly path: string;

  constructor(code: HostErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostError';
    this.code = code;
    this.path = path;
  }
}

const NODE_CODES: Record<string, HostErrorCode> = {
  ENOENT: 'ENOENT',
  ENOTDIR: 'ENOENT',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EISDIR: 'EISDIR',
  ELOOP: 'ELOOP',
};

const DESCRIPTIONS: Record<HostErrorCode, string> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTREG: 'is not a regular file',
  ETOOBIG: 'is too large to read',
  ESCAPE: 'resolves outside the target root',
  ELOOP: 'has too many levels of symbolic links',
  EOFFLINE: 'cannot run commands on an offline root',
  EIO: 'could not be read',
};

export function describeCode(code: HostErrorCode): string {
  return DESCRIPTIONS[code];
}

/** Wraps a Node fs error for `path` (the target-relative path) as a HostError. */
export function fromNodeError(err: unknown, path: string): HostError {
  if (err instanceof HostError) return err;
  const nodeCode = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const code = NODE_CODES[nodeCode] ?? 'EIO';
  const detail = code === 'EIO' && nodeCode ? ` (${nodeCode})` : '';
  return new HostError(code, path, `${path}: ${describeCode(code)}${detail}`, { cause: err });
}

export function isHostError(err: unknown, ...codes: HostErrorCode[]): err is HostError {
  return err instanceof HostError && (codes.length === 0 || codes.includes(err.code));
}
