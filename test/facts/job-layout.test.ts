/**
 * The GitLab builds layout (`<token>/<concurrency>/<group…>/<project>`):
 * which dirs are job dirs, and what the layout walk opens to decide. It
 * lists groups and candidates only: a job that fills its checkout with
 * thousands of dirs costs the layout nothing, and nothing a job plants
 * (a `.tmp` link, a `.git` file) makes a group of a project or the reverse
 * beyond what the runner's own marks say.
 */
import { mkdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutJobs } from '../../agent/facts/job-layout.js';
import { walkActivity } from '../../agent/util/walk.js';
import { FixtureTree } from '../helpers/fixture-tree.js';

const B = '/builds';
const JOB = { uid: 999, gid: 999 };
let t: FixtureTree;
beforeEach(async () => {
  t = await FixtureTree.create();
});
afterEach(async () => {
  await t.remove();
});

async function layout(): Promise<string[]> {
  const r = await layoutJobs(t.p(B), 'builds');
  return [...r.jobs.keys()].sort();
}

describe('layoutJobs (GitLab builds dir)', () => {
  it('a project by its .git, its .tmp sibling or -empty; anything else below a group is a group; an empty group is no job', async () => {
    await t.dir(`${B}/tok/0/acme/app/.git`);
    await t.dir(`${B}/tok/0/acme/sub/lib/.git`); // subgroup project
    await t.dir(`${B}/tok/0/acme/none`); // GIT_STRATEGY none: its .tmp beside it
    await t.dir(`${B}/tok/0/acme/none.tmp`);
    await t.dir(`${B}/tok/0/acme/docs-empty`);
    await t.dir(`${B}/tok/0/acme/gone`); // a group whose projects were deleted
    await t.dir(`${B}/tok/1/solo/web/src/.git`); // a nested repo: web is a group only if it holds no .git
    await t.file(`${B}/tok/0/acme/README`, 'x'); // files are no mark
    expect(await layout()).toEqual(['tok/0/acme/app', 'tok/0/acme/docs-empty', 'tok/0/acme/none', 'tok/0/acme/sub/lib', 'tok/1/solo/web/src']);
  });

  it('attacker: a checkout of 3,000 dirs costs the layout no listing below the project', async () => {
    await t.dir(`${B}/tok/0/g/p/.git`, JOB);
    for (let i = 0; i < 3000; i++) await t.dir(`${B}/tok/0/g/p/d${i}/e`, JOB);
    const before = walkActivity.dirsOpened;
    expect(await layout()).toEqual(['tok/0/g/p']);
    // tok, 0, g and p: the project is listed once, to see its .git, and nothing under it is opened.
    expect(walkActivity.dirsOpened - before).toBeLessThanOrEqual(4);
  });

  it('attacker: 5,000 empty groups and a nested chain of groups make no job dir; the one project among them is found', async () => {
    for (let i = 0; i < 5000; i++) await t.dir(`${B}/tok/0/g${i}`, JOB);
    await t.dir(`${B}/tok/0/a/b/c/d/e/f`, JOB);
    await t.dir(`${B}/tok/0/g4999/p/.git`, JOB);
    expect(await layout()).toEqual(['tok/0/g4999/p']);
  });

  it('attacker: names that are not UTF-8 or carry control characters: the .tmp sibling is matched by its bytes, the job dir shown escaped and marked inexact', async () => {
    mkdirSync(Buffer.concat([Buffer.from(t.p(`${B}/tok/0/g/caf`)), Buffer.from([0xe9])]), { recursive: true });
    mkdirSync(Buffer.concat([Buffer.from(t.p(`${B}/tok/0/g/caf`)), Buffer.from([0xe9]), Buffer.from('.tmp')]));
    await t.dir(`${B}/tok/0/g/x\x1b[2J\ny`, JOB);
    await t.dir(`${B}/tok/0/g/x\x1b[2J\ny.tmp`, JOB);
    const r = await layoutJobs(t.p(B), 'builds');
    expect([...r.jobs.values()].map((j) => [j.rel, j.exact]).sort()).toEqual([
      ['tok/0/g/caf\\xe9', false],
      ['tok/0/g/x\x1b[2J\ny', true],
    ]);
  });

  it('attacker: a .tmp that is a link to a dir, or a file, does not make its sibling a project (a .git file does: git worktrees have one)', async () => {
    await t.dir(`${B}/tok/0/g/linked/inner`, JOB);
    await t.dir('/elsewhere');
    await t.symlink(`${B}/tok/0/g/linked.tmp`, t.p('/elsewhere'));
    await t.dir(`${B}/tok/0/g/plain/inner`, JOB);
    await t.file(`${B}/tok/0/g/plain.tmp`, 'x', JOB);
    await t.file(`${B}/tok/0/g/gitfile/.git`, 'gitdir: /elsewhere\n', JOB);
    await t.dir(`${B}/tok/0/g/real`, JOB);
    await t.dir(`${B}/tok/0/g/real.tmp`, JOB);
    // linked and plain are groups (their inner dirs candidates, empty: no jobs).
    expect(await layout()).toEqual(['tok/0/g/gitfile', 'tok/0/g/real']);
  });
});
