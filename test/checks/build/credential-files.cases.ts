import check from '../../../checks/build/credential-files.js';
import { defineCases } from '../../helpers/check-cases.js';
import { gitlabRunnerUnit, jobCheckout, type FixtureTree } from '../../helpers/fixture-tree.js';

const BUILDS = '/home/gitlab-runner/builds';
const JOB = `${BUILDS}/t0ken123/0/group/app`;

async function shellRunner(t: FixtureTree): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'clean checkouts, an .npmrc with only a registry, docker config without auths',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, JOB);
        await t.file(`${JOB}/.npmrc`, 'registry=https://registry.npmjs.org/\n');
        await t.file(`${JOB}/.docker/config.json`, '{"auths": {}, "credsStore": "pass"}');
        await t.file(`${JOB}/.netrc`, 'machine gitlab.example.com login ci\n');
      },
      expect: [{ status: 'pass', subject: BUILDS, message: /^no credentials in \d+ files of 1 dir\(s\)$/ }],
    },
  ],
  failing: [
    {
      name: 'CI_JOB_TOKEN in the remote, .netrc password, docker auths, npm token, .git-credentials (values never shown)',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, JOB, { remote: 'https://gitlab-ci-token:glcbt-64_SECRETJOBTOKEN@gitlab.example.com/group/app.git' });
        await jobCheckout(t, `${BUILDS}/t0ken123/1/gh/mirror`, { remote: 'https://x-access-token:ghs_SECRETGITHUBTOKEN@github.com/o/r.git' });
        await t.file(`${JOB}/.netrc`, 'machine gitlab.example.com\n  login gitlab-ci-token\n  password glcbt-64_SECRETJOBTOKEN\n');
        await t.file(`${JOB}/.docker/config.json`, JSON.stringify({ auths: { 'registry.example.com': { auth: 'Z2l0bGFiLWNpLXRva2VuOlNFQ1JFVA==' } } }));
        await t.file(`${JOB}/.npmrc`, '//gitlab.example.com/api/v4/packages/npm/:_authToken=SECRETNPMTOKEN\n');
        await t.file('/home/gitlab-runner/cache/group/app/.git-credentials', 'https://ci:SECRETPASS@gitlab.example.com\n');
      },
      expect: [
        { status: 'fail', subject: `${JOB}/.git/config`, message: 'git remote URL with embedded credentials', evidence: ['line 4'] },
        { status: 'fail', subject: `${BUILDS}/t0ken123/1/gh/mirror/.git/config`, message: 'git remote URL' },
        { status: 'fail', subject: `${JOB}/.netrc`, message: '.netrc with a password', evidence: ['line 3'] },
        { status: 'fail', subject: `${JOB}/.docker/config.json`, evidence: ['registry registry.example.com'] },
        { status: 'fail', subject: `${JOB}/.npmrc`, message: '.npmrc with an auth token' },
        { status: 'fail', subject: '/home/gitlab-runner/cache/group/app/.git-credentials', message: 'in the cache dir of runner:shell-1' },
      ],
    },
  ],
  notApplicable: [
    { name: 'no runner', build: async () => {}, expect: [{ status: 'skip', subject: 'builds' }] },
    { name: 'docker runner without bind-mounted builds', build: async (t) => {
      await t.unit('gitlab-runner.service', gitlabRunnerUnit({ user: 'gitlab-runner' }));
      await t.useradd('gitlab-runner', { uid: 998 });
      await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', '[[runners]]\n  name = "d"\n  executor = "docker"\n  [runners.docker]\n    volumes = ["/cache"]\n', { mode: 0o600 });
    }, expect: [{ status: 'skip', subject: 'builds' }] },
  ],
  errors: [
    {
      name: 'a directory named .netrc is not a file; an oversized .npmrc is reported',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, JOB);
        await t.file(`${JOB}/.npmrc`, Buffer.alloc(2 * 1024 * 1024, 'a'));
      },
      expect: [{ status: 'error', subject: `${JOB}/.npmrc`, message: 'is too large to read' }],
    },
  ],
});
