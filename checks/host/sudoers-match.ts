import { ALIAS_NAME, type ListItem, type SudoRule } from './sudoers.js';

/** A user as sudo sees it: name, uid and every group (primary and supplementary). */
export interface Principal {
  name: string;
  uid?: number;
  groups: Array<{ name: string; gid: number }>;
}

/** How a list decided: allowed or denied, and by which item (for evidence). */
export interface ListMatch {
  allow: boolean;
  via: string;
}

const MAX_ALIAS_DEPTH = 64;

function itemMatch(name: string, who: Principal, aliases: Map<string, ListItem[]>, depth: number): ListMatch | undefined {
  if (name === 'ALL') return { allow: true, via: 'ALL' };
  if (ALIAS_NAME.test(name)) {
    const members = aliases.get(name);
    if (!members || depth >= MAX_ALIAS_DEPTH) return undefined; // undefined alias: sudo matches nothing
    const m = userListMatch(members, who, aliases, depth + 1);
    return m && { allow: m.allow, via: `User_Alias ${name}: ${m.via}` };
  }
  if (/^#\d+$/.test(name)) return who.uid === Number(name.slice(1)) ? { allow: true, via: `uid ${who.uid}` } : undefined;
  if (/^%#\d+$/.test(name)) {
    const g = who.groups.find((x) => x.gid === Number(name.slice(2)));
    return g && { allow: true, via: `group ${g.name} (gid ${g.gid})` };
  }
  // Non-Unix groups (%:name, resolved by a plugin) and netgroups (+name) are not in /etc/group.
  if (name.startsWith('%:') || name.startsWith('+')) return undefined;
  if (name.startsWith('%')) {
    const g = who.groups.find((x) => x.name === name.slice(1));
    return g && { allow: true, via: `group ${g.name}` };
  }
  return name === who.name ? { allow: true, via: `user ${who.name}` } : undefined;
}

/**
 * sudo's userlist_matches(): the last item that matches decides, `!` turns
 * that match into a denial (so `ALL, !ci` excludes ci and `!ci, ALL` does not).
 * Undefined when no item matches.
 */
export function userListMatch(items: ListItem[], who: Principal, aliases: Map<string, ListItem[]>, depth = 0): ListMatch | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    const m = itemMatch(item.name, who, aliases, depth);
    if (m) return item.negated ? { allow: !m.allow, via: `!${item.name}` } : m;
  }
  return undefined;
}

export interface Grant {
  rule: SudoRule;
  via: string;
  /** The commands it allows (negated entries left out). */
  commands: string[];
}

/** The rules that let `who` run at least one command (whatever the host or runas list). */
export function grantsFor(rules: SudoRule[], aliases: Map<string, ListItem[]>, who: Principal): Grant[] {
  const out: Grant[] = [];
  for (const rule of rules) {
    const m = userListMatch(rule.users, who, aliases);
    const commands = rule.commands.filter((c) => !c.negated).map((c) => c.text);
    if (m?.allow && commands.length > 0) out.push({ rule, via: m.via, commands });
  }
  return out;
}
