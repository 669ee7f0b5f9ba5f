import type { HostFs } from './types.js';
import { isHostError } from './errors.js';

export interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

/** Users and groups of the *target* (its own files), never of the agent's machine. */
export class UserDb {
  readonly users: User[];
  readonly groups: Group[];

  constructor(users: User[], groups: Group[]) {
    this.users = users;
    this.groups = groups;
  }

  user(nameOrUid: string | number): User | undefined {
    if (typeof nameOrUid === 'number') return this.users.find((u) => u.uid === nameOrUid);
    if (/^\d+$/.test(nameOrUid)) {
      const byName = this.users.find((u) => u.name === nameOrUid);
      return byName ?? this.users.find((u) => u.uid === Number(nameOrUid));
    }
    return this.users.find((u) => u.name === nameOrUid);
  }

  group(nameOrGid: string | number): Group | undefined {
    if (typeof nameOrGid === 'number') return this.groups.find((g) => g.gid === nameOrGid);
    return this.groups.find((g) => g.name === nameOrGid);
  }

  userName(uid: number): string {
    return this.user(uid)?.name ?? String(uid);
  }

  groupName(gid: number): string {
    return this.group(gid)?.name ?? String(gid);
  }

  /** Every group the user is in: primary (from passwd) and supplementary. */
  groupsOf(name: string): Group[] {
    const u = this.user(name);
    return this.groups.filter((g) => g.members.includes(name) || (u !== undefined && g.gid === u.gid));
  }
}

function fields(text: string, min: number): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= min);
}

export function parsePasswd(text: string): User[] {
  return fields(text, 7)
    .filter((f) => /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! }));
}

export function parseGroup(text: string): Group[] {
  return fields(text, 4)
    .filter((f) => /^\d+$/.test(f[2]!))
    .map((f) => ({
      name: f[0]!,
      gid: Number(f[2]),
      members: f[3]!.split(',').map((m) => m.trim()).filter(Boolean),
    }));
}

async function readOptional(fs: HostFs, p: string): Promise<string> {
  try {
    return await fs.readText(p);
  } catch (err) {
    if (isHostError(err, 'ENOENT')) return '';
    throw err;
  }
}

export async function loadUserDb(fs: HostFs): Promise<UserDb> {
  const [passwd, group] = await Promise.all([readOptional(fs, '/etc/passwd'), readOptional(fs, '/etc/group')]);
  return new UserDb(parsePasswd(passwd), parseGroup(group));
}
