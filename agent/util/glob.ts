import { isHostError, type HostFs } from '../host/index.js';

const MAGIC = /[*?[]/;

/** fnmatch() of one path component: * ? [set] [!set] and backslash escapes; a leading dot must be matched literally. */
export function componentRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escape(pattern[++i]!);
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end);
      const negated = set.startsWith('!');
      if (negated) set = set.slice(1);
      re += `[${negated ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, 's');
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function exists(fs: HostFs, p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)) !== null;
  } catch {
    return false;
  }
}

/**
 * glob(3) over target paths, as sshd's Include uses it: absolute pattern in,
 * matching paths out in byte order (strcmp, the C locale sshd runs in); no
 * match is an empty list. Unreadable directories match nothing.
 */
export async function globPaths(fs: HostFs, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((p) => p !== '');
  if (!parts.some((p) => MAGIC.test(p))) {
    const literal = `/${parts.join('/')}`;
    return (await exists(fs, literal)) ? [literal] : [];
  }
  let dirs = [''];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      if (!MAGIC.test(part)) {
        const p = `${dir}/${part.replace(/\\(.)/g, '$1')}`;
        if (last ? await exists(fs, p) : true) next.push(p);
        continue;
      }
      let names: string[];
      try {
        const entries = await fs.readdir(dir || '/');
        names = entries.filter((e) => last || e.kind === 'dir' || e.kind === 'symlink').map((e) => e.name);
      } catch (err) {
        if (isHostError(err)) continue;
        throw err;
      }
      const re = componentRegExp(part);
      for (const name of names) if ((!name.startsWith('.') || part.startsWith('.')) && re.test(name)) next.push(`${dir}/${name}`);
    }
    dirs = next;
  }
  return dirs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
