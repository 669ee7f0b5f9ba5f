/**
 * The bash completion as bash runs it: sourced, registered for runnerguard,
 * its function called with COMP_WORDS/COMP_CWORD as readline would. Check ids
 * come from the built CLI on PATH (`runnerguard checks`), so they follow the
 * catalogue. Both packages stage it at bash-completion's on-demand path.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../agent/cli/args.js';
import { FORMATS } from '../../agent/report/index.js';
import { CATALOGUE } from '../../checks/index.js';
import { buildBundle } from '../helpers/cli.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FILE = path.join(REPO, 'packaging/completion/runnerguard.bash');
const INSTALLED = 'usr/share/bash-completion/completions/runnerguard';
let tmp: string;
let bundle: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rg-completion-'));
  bundle = buildBundle();
  mkdirSync(path.join(tmp, 'bin'));
  writeFileSync(path.join(tmp, 'bin/runnerguard'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bundle)} "$@"\n`);
  chmodSync(path.join(tmp, 'bin/runnerguard'), 0o755);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(path.dirname(bundle), { recursive: true, force: true });
});

/** COMPREPLY for the command line `words`, the cursor on the last word. */
function complete(...words: string[]): string[] {
  const script = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _runnerguard; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'bash', FILE, ...words], { encoding: 'utf8', env: { PATH: `${path.join(tmp, 'bin')}:${process.env.PATH}`, HOME: tmp }, cwd: tmp });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

const ids = CATALOGUE.map((c) => c.meta.id).sort();
/** The commands the usage text lists. */
const commands = [...USAGE.split('commands:')[1]!.split('\n\n')[0]!.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]!);

describe('bash completion', () => {
  it('sourcing it registers _runnerguard for runnerguard', () => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(FILE)}; complete -p runnerguard`], { encoding: 'utf8' });
    expect({ code: r.status, out: r.stdout.trim(), err: r.stderr }).toEqual({ code: 0, out: 'complete -F _runnerguard runnerguard', err: '' });
  });

  it('the first word: every command of the usage text', () => {
    expect(commands.length).toBeGreaterThanOrEqual(9);
    expect(complete('runnerguard', '')).toEqual(expect.arrayContaining(commands));
    expect(complete('runnerguard', 'au')).toEqual(['audit']);
    expect(complete('runnerguard', 'co')).toEqual(['config']);
    expect(complete('runnerguard', 'config', '')).toEqual(['check']);
  });

  it('options per command, and their values', () => {
    expect(complete('runnerguard', 'audit', '--f')).toEqual(['--fail-on', '--format']);
    expect(complete('runnerguard', 'audit', '--format', '')).toEqual([...FORMATS].sort());
    expect(complete('runnerguard', 'checks', '--format', '')).toEqual(['json', 'text']);
    expect(complete('runnerguard', 'audit', '--fail-on', 'h')).toEqual(['high']);
    expect(complete('runnerguard', 'fix', '--a')).toEqual(['--apply']);
    expect(complete('runnerguard', 'deliver', '--')).toEqual(['--config', '--help']);
    expect(complete('runnerguard', 'rollback', '--')).toEqual(['--config', '--help', '--root']);
    // Options before the cursor, with their values, do not hide the command.
    expect(complete('runnerguard', 'audit', '--config', '/etc/x.toml', '--verbose', '--o')).toEqual(['--only', '--output']);
    mkdirSync(path.join(tmp, 'rootfs'), { recursive: true });
    expect(complete('runnerguard', 'audit', '--root', 'root')).toEqual(['rootfs']);
  });

  it('check ids come from the installed runnerguard: explain, fix, and --only/--skip lists after a comma', () => {
    expect(complete('runnerguard', 'explain', '')).toEqual(ids);
    expect(complete('runnerguard', 'explain', 'RG-AUDIT-')).toEqual(ids.filter((i) => i.startsWith('RG-AUDIT-')));
    expect(complete('runnerguard', 'fix', '--apply', 'RG-RUN-00')).toEqual(ids.filter((i) => i.startsWith('RG-RUN-00')));
    expect(complete('runnerguard', 'audit', '--skip', 'RG-RUN-001,RG-SSH-')).toEqual(ids.filter((i) => i.startsWith('RG-SSH-')).map((i) => `RG-RUN-001,${i}`));
  });

  it('is staged at /usr/share/bash-completion/completions/runnerguard (0644) for both packages, and the rpm lists it', async () => {
    // @ts-expect-error: a plain .mjs build script without types
    const { stageTree } = await import('../../scripts/package/stage.mjs');
    const root = path.join(tmp, 'stage');
    const meta = path.join(tmp, 'meta.json');
    writeFileSync(meta, JSON.stringify({ inputs: {} }));
    stageTree({ repo: REPO, root, bundle, metafile: meta, version: '0.0.0' });
    const st = statSync(path.join(root, INSTALLED));
    expect(st.mode & 0o7777).toBe(0o644);
    expect(readFileSync(path.join(root, INSTALLED), 'utf8')).toBe(readFileSync(FILE, 'utf8'));
    for (const d of ['usr/share/bash-completion', 'usr/share/bash-completion/completions']) expect(statSync(path.join(root, d)).mode & 0o7777).toBe(0o755);
    // The .deb takes the staged tree as it is; the rpm ships what %files lists.
    expect(readFileSync(path.join(REPO, 'packaging/rpm/runnerguard.spec.in'), 'utf8')).toContain(`%attr(0644,root,root) /${INSTALLED}\n`);
  });
});
