import { verrevcmp } from '../host/deb-version.js';

/**
 * The order of `ls -v` (gnulib filevercmp), which augenrules uses to merge
 * rules.d: digit runs compare as numbers, letters sort before other
 * characters. "10-docker.rules" comes before "audit.rules", "9-x" before "10-x".
 * Built on dpkg's verrevcmp, as gnulib's filevercmp is.
 */
export function lsVersionCompare(a: string, b: string): number {
  const strip = (s: string) => /^(.*?)((?:\.[A-Za-z~][A-Za-z0-9~]*)*)$/.exec(s)!;
  const [, pa = '', sa = ''] = strip(a);
  const [, pb = '', sb = ''] = strip(b);
  return pa === pb ? verrevcmp(sa, sb) : verrevcmp(pa, pb) || verrevcmp(sa, sb);
}
