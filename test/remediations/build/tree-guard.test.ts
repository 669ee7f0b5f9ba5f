import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeRoot } from '../../../agent/host/safe-path.js';
import { processesUsing, removeTreeGuarded, treeState } from '../../../agent/remediate/tree-guard.js';

/** The job dir held as the engine holds it: its parent open, the name relative to it. */
const locate = (p: string) => new SafeRoot('/').locate(p);

/** Real processes on this (live) machine using a job dir: the apply-time guard of removeTree sees them. */
let dir: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-jobdir-'));
  await fsp.mkdir(path.join(dir, '.git'));
  await fsp.writeFile(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
  await fsp.mkdir(path.join(dir, 'out'));
  await fsp.writeFile(path.join(dir, 'out/log.txt'), 'building\n');
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await fsp.rm(dir, { recursive: true, force: true });
});

async function start(argv: string[], cwd: string): Promise<ChildProcess> {
  const c = spawn(argv[0]!, argv.slice(1), { cwd, stdio: 'ignore' });
  await once(c, 'spawn'); // cwd and open files are set before exec: the process is visible from here on
  return c;
}

async function stepFor(p: string) {
  const s = await treeState(p);
  return { op: 'removeTree' as const, path: '/builds/job', mtimeMs: s.mtimeMs, newestMs: s.newestMs, bytes: s.bytes, reason: 'test' };
}

describe('removeTree on a live host', () => {
  it('a process whose cwd is deep inside keeps the dir; once it is gone the dir is deleted', async () => {
    const step = await stepFor(dir);
    child = await start(['sleep', '600'], path.join(dir, 'out'));
    expect(await processesUsing((await treeState(dir)).inodes)).toEqual([`pid ${child.pid} sleep`]);
    const kept = await removeTreeGuarded(step, locate(dir), true);
    expect(kept).toEqual({ skipped: `/builds/job is in use (pid ${child.pid} sleep): left alone` });
    expect(await fsp.readFile(path.join(dir, 'out/log.txt'), 'utf8')).toBe('building\n');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await removeTreeGuarded(step, locate(dir), true)).toEqual({ note: `deleted /builds/job (${'ref: refs/heads/main\n'.length + 'building\n'.length} bytes)` });
    expect(await fsp.lstat(dir).catch(() => null)).toBeNull();
    expect((await fsp.readdir(path.dirname(dir))).filter((n) => n.startsWith(`${path.basename(dir)}.runnerguard-deleting`))).toEqual([]);
  });

  it('a process holding a file inside open (cwd elsewhere) keeps the dir', async () => {
    const step = await stepFor(dir);
    // tail keeps its argument open; its cwd is /.
    child = await start(['tail', '-f', path.join(dir, 'out/log.txt')], '/');
    let users: string[] = [];
    // tail opens the file after exec: wait for that open rather than for a time.
    while (users.length === 0) users = await processesUsing((await treeState(dir)).inodes);
    expect(users).toEqual([`pid ${child.pid} tail`]);
    expect(await removeTreeGuarded(step, locate(dir), true)).toEqual({ skipped: `/builds/job is in use (pid ${child.pid} tail): left alone` });
  });
});
