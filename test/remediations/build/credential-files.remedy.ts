import { promises as fsp } from 'node:fs';
import { expect } from 'vitest';
import credentialFiles from '../../../remediations/build/credential-files.js';
import { renderPlans } from '../../../agent/remediate/render.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { jobCheckout } from '../../helpers/fixture-tree.js';
import { expectQuarantined } from '../ssh/quarantined.js';
import { BUILDS, JOB, MIRROR, SECRETS, shellRunner } from './credential-fixture.js';

const RUNNER = { uid: 998, gid: 998 };
const gitConfig = (url: string) => `[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`;
const NETRC = 'machine gitlab.example.com\n  login gitlab-ci-token\n  password glcbt-64_SECRETJOBTOKEN\n';
const DOCKER = JSON.stringify({ auths: { 'registry.example.com': { auth: 'Z2l0bGFiLWNpLXRva2VuOlNFQ1JFVA==' } } });
const NPMRC = '//gitlab.example.com/api/v4/packages/npm/:_authToken=SECRETNPMTOKEN\n';
const GIT_CREDS = 'https://ci:SECRETPASS@gitlab.example.com\n';

export default defineRemediationCases({
  remediation: credentialFiles,
  cases: [
    {
      name: 'job token in two remotes scrubbed (only the url line); .netrc, docker auths, .npmrc, .git-credentials quarantined; clean files untouched',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, JOB, { remote: 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/app.git' });
        await jobCheckout(t, MIRROR, { remote: 'https://x-access-token:ghs_SECRETGITHUBTOKEN@github.com/o/r.git' });
        await jobCheckout(t, `${BUILDS}/t0ken123/0/group/clean`);
        await t.file(`${JOB}/.git/config`, await fsp.readFile(t.p(`${JOB}/.git/config`)), { mode: 0o664, ...RUNNER });
        await t.file(`${JOB}/.netrc`, NETRC, { mode: 0o600, ...RUNNER });
        await t.file(`${JOB}/.docker/config.json`, DOCKER, { mode: 0o600, ...RUNNER });
        await t.file(`${JOB}/.npmrc`, NPMRC, { mode: 0o644, ...RUNNER });
        await t.file('/home/gitlab-runner/cache/group/app/.git-credentials', GIT_CREDS, { mode: 0o600, ...RUNNER });
        await t.file(`${BUILDS}/t0ken123/0/group/clean/.npmrc`, 'registry=https://registry.npmjs.org/\n');
      },
      plan: async (p, h) => {
        expect(p.refusals).toEqual([]);
        const edit = (path: string, from: string, to: string, maskedFrom: string) => ({
          remediation: 'RG-BUILD-002',
          subject: path,
          summary: 'remove the credentials from the remote URLs',
          steps: [{ op: 'editFile', path, before: gitConfig(from), after: gitConfig(to), redacted: { before: gitConfig(maskedFrom), after: gitConfig(to) }, skipIfGone: true }],
        });
        const move = (path: string, reason: string) => ({ remediation: 'RG-BUILD-002', subject: path, summary: 'move the file to the quarantine', steps: [{ op: 'quarantine', path, reason }] });
        const bySubject = <T extends { subject: string }>(xs: T[]) => [...xs].sort((a, b) => a.subject.localeCompare(b.subject));
        // The walk's order is the directory's: compared by subject.
        expect(bySubject(p.plans)).toEqual(bySubject([
          edit(`${JOB}/.git/config`, 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/app.git', 'https://gitlab.example.com/group/app.git', 'https://gitlab-ci-token:****@gitlab.example.com/group/app.git'),
          edit(`${MIRROR}/.git/config`, 'https://x-access-token:ghs_SECRETGITHUBTOKEN@github.com/o/r.git', 'https://github.com/o/r.git', 'https://x-access-token:****@github.com/o/r.git'),
          move(`${JOB}/.netrc`, '.netrc with a password left in the builds dir of runner:shell-1'),
          move(`${JOB}/.docker/config.json`, 'docker config.json with registry auths left in the builds dir of runner:shell-1'),
          move(`${JOB}/.npmrc`, '.npmrc with an auth token left in the builds dir of runner:shell-1'),
          move('/home/gitlab-runner/cache/group/app/.git-credentials', 'git credential store (.git-credentials) left in the cache dir of runner:shell-1'),
        ]));
        const text = await renderPlans(h, [p]);
        expect(text).toContain(
          `    --- ${JOB}/.git/config\n    +++ ${JOB}/.git/config\n    @@ -2,4 +2,4 @@\n     \trepositoryformatversion = 0\n     [remote "origin"]\n    -\turl = https://gitlab-ci-token:****@gitlab.example.com/group/app.git\n    +\turl = https://gitlab.example.com/group/app.git\n     \tfetch = +refs/heads/*:refs/remotes/origin/*\n    (secrets masked)\n`,
        );
        for (const s of SECRETS) expect(text).not.toContain(s);
      },
      applied: async (t, r) => {
        expect(r.steps.map((s) => s.state)).toEqual(Array(6).fill('applied'));
        expect(await fsp.readFile(t.p(`${JOB}/.git/config`), 'utf8')).toBe(gitConfig('https://gitlab.example.com/group/app.git'));
        const st = await fsp.lstat(t.p(`${JOB}/.git/config`));
        expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).toEqual({ mode: 0o664, ...RUNNER });
        expect(await fsp.readFile(t.p(`${MIRROR}/.git/config`), 'utf8')).toBe(gitConfig('https://github.com/o/r.git'));
        await expectQuarantined(r, `${JOB}/.netrc`, NETRC, { mode: 0o600, ...RUNNER });
        await expectQuarantined(r, `${JOB}/.docker/config.json`, DOCKER, { mode: 0o600, ...RUNNER });
        await expectQuarantined(r, `${JOB}/.npmrc`, NPMRC, { mode: 0o644, ...RUNNER });
        await expectQuarantined(r, '/home/gitlab-runner/cache/group/app/.git-credentials', GIT_CREDS, { mode: 0o600, ...RUNNER });
        expect(await fsp.readdir(t.p(`${JOB}/.docker`))).toEqual([]);
        expect(await fsp.readFile(t.p(`${BUILDS}/t0ken123/0/group/clean/.npmrc`), 'utf8')).toBe('registry=https://registry.npmjs.org/\n');
        expect(await fsp.readFile(t.p(`${BUILDS}/t0ken123/0/group/clean/.git/config`), 'utf8')).toBe(gitConfig('https://gitlab.example.com/group/project.git'));
      },
    },
    {
      name: 'a quoted pushurl whose secret holds an @ leaves no tail; the other remote lines stay byte for byte',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, JOB);
        await t.file(`${JOB}/.git/config`, '[remote "origin"]\n\turl = https://gitlab.example.com/group/app.git\n\tpushurl = "https://deploy:p@ss%word@gitlab.example.com/group/app.git"  # push\n[branch "main"]\n\tremote = origin\n', { mode: 0o644, ...RUNNER });
      },
      plan: (p) => {
        const s = p.plans[0]!.steps[0]!;
        expect(s.op === 'editFile' && s.after).toBe('[remote "origin"]\n\turl = https://gitlab.example.com/group/app.git\n\tpushurl = "https://gitlab.example.com/group/app.git"  # push\n[branch "main"]\n\tremote = origin\n');
        expect(s.op === 'editFile' && s.redacted!.before).toContain('\tpushurl = "https://deploy:****@gitlab.example.com/group/app.git"  # push\n');
      },
    },
  ],
});
