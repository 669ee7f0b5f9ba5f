import { afterAll, describe, expect, it } from 'vitest';
import { createHost } from '../../../agent/host/index.js';
import { parseSudoers, type ListItem } from '../../../checks/host/sudoers.js';
import { logicalLines, tokenize } from '../../../checks/host/sudoers-lex.js';
import { grantsFor, userListMatch, type Principal } from '../../../checks/host/sudoers-match.js';
import { includedByDir, loadSudoers } from '../../../checks/host/sudoers-files.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';

const items = (...names: string[]): ListItem[] => names.map((n) => ({ negated: n.startsWith('!'), name: n.replace(/^!/, '') }));
const ci: Principal = { name: 'ci', uid: 998, groups: [{ name: 'ci', gid: 998 }, { name: 'docker', gid: 999 }] };
const none = new Map<string, ListItem[]>();

describe('logicalLines', () => {
  it('drops comments, keeps #uid, joins continuations, keeps directives', () => {
    const text = '# comment\n#998 ALL = ALL\nci ALL = /bin/a, \\\r\n\t/bin/b # trailing\n#include /etc/x\n#includes is a comment\n   \n';
    expect(logicalLines(text)).toEqual([
      { line: 2, text: '#998 ALL = ALL' },
      { line: 3, text: 'ci ALL = /bin/a, /bin/b' },
      { line: 5, text: '#include /etc/x' },
    ]);
  });
  it('a backslash at the end of a comment continues nothing', () => {
    expect(logicalLines('ci ALL = /bin/a # note \\\nci ALL = /bin/b\n').map((l) => l.text)).toEqual(['ci ALL = /bin/a', 'ci ALL = /bin/b']);
  });
  it('a # inside a word or quotes is not a comment', () => {
    expect(logicalLines('ci ALL = /bin/echo a#b "#x"\n')[0]!.text).toBe('ci ALL = /bin/echo a#b "#x"');
  });
});

describe('tokenize', () => {
  it('resolves quotes and escapes; ! and ( only start a word', () => {
    expect(tokenize('"%domain users",%ci\\ x !a b!c (root:wheel)')).toEqual([
      { kind: 'word', value: '%domain users' },
      { kind: ',' },
      { kind: 'word', value: '%ci x' },
      { kind: '!' },
      { kind: 'word', value: 'a' },
      { kind: 'word', value: 'b!c' },
      { kind: '(' },
      { kind: 'word', value: 'root' },
      { kind: ':' },
      { kind: 'word', value: 'wheel' },
      { kind: ')' },
    ]);
  });
});

describe('parseSudoers', () => {
  it('reads user lists and commands through runas, tags, options, digests and extra host parts', () => {
    const p = parseSudoers(
      [
        'alice, %ci, !bob   web1, web2 = (root : wheel) NOPASSWD: SETENV: CWD=/srv TIMEOUT=5m /usr/bin/make install, !/usr/bin/su : db = sha256:YWJj== /usr/bin/psql',
        'ci ALL=(ALL) !ALL',
        'ci ALL = SHUTDOWN, sudoedit /etc/motd',
      ].join('\n'),
      '/etc/sudoers',
    );
    expect(p.problems).toEqual([]);
    expect(p.rules.map((r) => [r.line, r.users, r.commands])).toEqual([
      [1, items('alice', '%ci', '!bob'), [{ negated: false, text: '/usr/bin/make install' }, { negated: true, text: '/usr/bin/su' }, { negated: false, text: '/usr/bin/psql' }]],
      [2, items('ci'), [{ negated: true, text: 'ALL' }]],
      [3, items('ci'), [{ negated: false, text: 'SHUTDOWN' }, { negated: false, text: 'sudoedit /etc/motd' }]],
    ]);
  });

  it('ignores every Defaults form and non-user aliases; reads User_Alias lists joined by ":"', () => {
    const p = parseSudoers(
      'Defaults env_reset\nDefaults:ci !requiretty\nDefaults!/bin/ls log_output\nDefaults>root !set_logname\nDefaults@web1 log_year\nHost_Alias WEB = web1, web2\nCmnd_Alias SHELLS = /bin/sh, /bin/bash\nUser_Alias A = ci, %docker : B = !ci, ALL\n',
      '/etc/sudoers',
    );
    expect(p.rules).toEqual([]);
    expect(p.problems).toEqual([]);
    expect([...p.userAliases]).toEqual([
      ['A', items('ci', '%docker')],
      ['B', items('!ci', 'ALL')],
    ]);
  });

  it('collects @include / #includedir with quoted paths', () => {
    const p = parseSudoers('@include "/etc/sudoers with space"\n#includedir /etc/sudoers.d\n@include sudoers.local\n', '/etc/sudoers');
    expect(p.includes).toEqual([
      { kind: 'include', path: '/etc/sudoers with space', line: 1 },
      { kind: 'includedir', path: '/etc/sudoers.d', line: 2 },
      { kind: 'include', path: 'sudoers.local', line: 3 },
    ]);
  });

  it('reports lines sudo would reject with their line, and keeps the rest', () => {
    const p = parseSudoers('ci ALL\nci ALL = /bin/true\nUser_Alias lower = ci\nci ALL = "/bin/x\nci ALL = (root\n', '/etc/sudoers.d/x');
    expect(p.rules.map((r) => r.line)).toEqual([2]);
    expect(p.problems.map((x) => [x.line, x.message])).toEqual([
      [1, 'not a valid sudoers line (expected "="): ci ALL'],
      [3, 'not a valid sudoers line (bad alias name "lower"): User_Alias lower = ci'],
      [4, 'not a valid sudoers line (unterminated quote): ci ALL = "/bin/x'],
      [5, 'not a valid sudoers line (expected ")"): ci ALL = (root'],
    ]);
  });
});

describe('userListMatch (sudo: the last matching item decides)', () => {
  it.each([
    [['ALL'], true, 'ALL'],
    [['ci'], true, 'user ci'],
    [['#998'], true, 'uid 998'],
    [['%docker'], true, 'group docker'],
    [['%#999'], true, 'group docker (gid 999)'],
    [['%docker-users', '%dock', 'cia', '#9980'], undefined, undefined],
    [['ALL', '!ci'], false, '!ci'],
    [['!ci', 'ALL'], true, 'ALL'],
    [['!%docker'], false, '!%docker'],
    [['%:ci', '+ci'], undefined, undefined],
  ])('%j -> %s', (list, allow, via) => {
    const m = userListMatch(items(...list), ci, none);
    expect(m?.allow).toBe(allow);
    expect(m?.via).toBe(via);
  });

  it('expands aliases recursively; a negated alias flips its result; cycles and undefined aliases match nothing', () => {
    const aliases = new Map([
      ['A', items('B')],
      ['B', items('%docker')],
      ['NOTCI', items('!ci')],
      ['LOOP', items('LOOP2')],
      ['LOOP2', items('LOOP')],
    ]);
    expect(userListMatch(items('A'), ci, aliases)).toEqual({ allow: true, via: 'User_Alias A: User_Alias B: group docker' });
    expect(userListMatch(items('!NOTCI'), ci, aliases)?.allow).toBe(true);
    expect(userListMatch(items('LOOP'), ci, aliases)).toBeUndefined();
    expect(userListMatch(items('UNDEFINED'), ci, aliases)).toBeUndefined();
    // An upper-case word is always an alias name to sudo, never a user.
    expect(userListMatch(items('CI'), { ...ci, name: 'CI' }, aliases)).toBeUndefined();
  });
});

describe('grantsFor', () => {
  it('needs a matching user list and at least one command that is not negated', () => {
    const p = parseSudoers('ci ALL = !ALL\nALL, !ci ALL = ALL\n%docker ALL = /usr/bin/docker, !/usr/bin/docker rm\nalice ALL = ALL\n', '/etc/sudoers');
    const g = grantsFor(p.rules, p.userAliases, ci);
    expect(g.map((x) => [x.rule.line, x.via, x.commands])).toEqual([[3, 'group docker', ['/usr/bin/docker']]]);
  });
});

describe('loadSudoers', () => {
  const trees: FixtureTree[] = [];
  afterAll(async () => Promise.all(trees.map((t) => t.remove())));
  async function tree(): Promise<FixtureTree> {
    const t = await FixtureTree.create();
    trees.push(t);
    return t;
  }
  const host = async () => 'build-7.example.com';

  it('includedByDir: sudo skips names ending in ~ or containing a dot', () => {
    expect(['10-ci', 'README', 'ci~', 'ci.dpkg-old', 'ci.bak', '.hidden', 'zz_1'].filter(includedByDir)).toEqual(['10-ci', 'README', 'zz_1']);
  });

  it('follows includes in sudo order: lexical includedir, relative @include, %h, links to files; stops at loops', async () => {
    const t = await tree();
    await t.file('/etc/sudoers', 'root ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n@include sudoers.%h\n#include /etc/missing\n@includedir /etc/no-such-dir\n');
    await t.file('/etc/sudoers.d/b', 'ci ALL = /bin/b\n@include ../sudoers\n');
    await t.file('/etc/sudoers.d/a', 'ci ALL = /bin/a\n');
    await t.file('/etc/sudoers.d/c.conf', 'ci ALL = /bin/c\n');
    await t.dir('/etc/sudoers.d/sub');
    await t.file('/etc/sudoers.d/sub/x', 'ci ALL = /bin/x\n');
    await t.file('/srv/sudo-extra', 'ci ALL = /bin/link\n');
    await t.symlink('/etc/sudoers.d/link', '/srv/sudo-extra');
    await t.file('/etc/sudoers.build-7', 'ci ALL = /bin/h\n');
    const s = await loadSudoers(createHost({ root: t.root }).fs, host);
    expect(s.present).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.files).toEqual(['/etc/sudoers', '/etc/sudoers.d/a', '/etc/sudoers.d/b', '/etc/sudoers.d/link', '/etc/sudoers.build-7']);
    expect(s.rules.map((r) => `${r.file}:${r.line} ${r.commands[0]!.text}`)).toEqual([
      '/etc/sudoers:1 ALL',
      '/etc/sudoers.d/a:1 /bin/a',
      '/etc/sudoers.d/b:1 /bin/b',
      '/etc/sudoers.d/link:1 /bin/link',
      '/etc/sudoers.build-7:1 /bin/h',
    ]);
  });

  it('no /etc/sudoers: not present; binary files and bad lines are problems with file (and line)', async () => {
    const t = await tree();
    expect((await loadSudoers(createHost({ root: t.root }).fs, host)).present).toBe(false);
    await t.file('/etc/sudoers', '@includedir /etc/sudoers.d\n');
    await t.file('/etc/sudoers.d/bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]));
    await t.file('/etc/sudoers.d/bad', '\n\nci ALL\n');
    const s = await loadSudoers(createHost({ root: t.root }).fs, host);
    expect(s.problems.map((p) => p.message)).toEqual(['/etc/sudoers.d/bad:3: not a valid sudoers line (expected "="): ci ALL', '/etc/sudoers.d/bin: binary data, not a sudoers file']);
  });
});
