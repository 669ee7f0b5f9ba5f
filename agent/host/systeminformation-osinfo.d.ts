// systeminformation's OS module alone: the audit needs osInfo(), and the
// package's index pulls in every module it has (about 740 KB of the bundle,
// parsed at every start-up).
declare module 'systeminformation/lib/osinfo.js' {
  import type { Systeminformation } from 'systeminformation';
  export function osInfo(): Promise<Systeminformation.OsData>;
}
