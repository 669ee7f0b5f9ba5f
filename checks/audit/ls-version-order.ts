/**
 * The order of `ls -v` (gnulib filevercmp), which augenrules uses to merge
 * rules.d: digit runs compare as numbers, letters sort before other
 * characters. "10-docker.rules" comes before "audit.rules", "9-x" before "10-x".
 */
export function lsVersionCompare(a: string, b: string): number {
  const strip = (s: string) => /^(.*?)((?:\.[A-Za-z~][A-Za-z0-9~]*)*)$/.exec(s)!;
  const [, pa = '', sa = ''] = strip(a);
  const [, pb = '', sb = ''] = strip(b);
  return pa === pb ? verrevcmp(sa, sb) : verrevcmp(pa, pb) || verrevcmp(sa, sb);
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's verrevcmp, on which filevercmp is built. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = order(a[i]) - order(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first !== 0) return first;
  }
  return 0;
}
