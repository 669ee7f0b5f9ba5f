import check from '../../../checks/build/leftover-dirs.js';
import { defineCases } from '../../helpers/check-cases.js';
import { ageTree, gitlabRunnerUnit, jobCheckout, type FixtureTree } from '../../helpers/fixture-tree.js';
import { jenkinsAgent } from '../jenkins/fixture.js';

const BUILDS = '/home/gitlab-runner/builds';

async function shellRunner(t: FixtureTree, extra = ''): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', `[[runners]]\n  name = "shell-1"\n  executor = "shell"\n${extra}`, { mode: 0o600 });
}

export default defineCases({
  check,
  passing: [
    {
      name: 'recent job dirs only',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, `${BUILDS}/t0ken123/0/group/app`);
        await ageTree(t, `${BUILDS}/t0ken123/0/group/app`, 2);
      },
      expect: [{ status: 'pass', subject: BUILDS, message: '1 job dir(s), none unused for more than 24 h' }],
    },
    {
      name: 'max_age_hours from [checks.RG-BUILD-001]',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, `${BUILDS}/t0ken123/0/group/app`);
        await ageTree(t, `${BUILDS}/t0ken123/0/group/app`, 30);
      },
      config: '[checks.RG-BUILD-001]\nmax_age_hours = 48\n',
      expect: [{ status: 'pass', subject: BUILDS, message: 'none unused for more than 48 h' }],
    },
  ],
  failing: [
    {
      name: 'three 3-day-old job dirs without .git, laid out as the runner lays them (GIT_STRATEGY none with its .tmp, a subgroup project whose .git a cleanup removed, GIT_STRATEGY empty), count as 3',
      build: async (t) => {
        await shellRunner(t);
        // builds/<short-token>/<concurrency-id>/<group…>/<project>, and the runner's <project>.tmp beside it.
        const none = `${BUILDS}/x7Tq9Lm2a/0/acme/deploy`;
        const cleaned = `${BUILDS}/x7Tq9Lm2a/1/acme/platform/api`;
        const empty = `${BUILDS}/x7Tq9Lm2a/0/acme/docs-empty`;
        await t.file(`${none}/artifact.tar`, Buffer.alloc(2000));
        await t.file(`${none}.tmp/CI_SERVER_TLS_CA_FILE`, 'ca');
        await t.file(`${cleaned}/build/out.bin`, Buffer.alloc(1000));
        await t.dir(`${cleaned}.tmp/git-template`);
        await t.dir(empty);
        for (const d of [`${BUILDS}/x7Tq9Lm2a`]) await ageTree(t, d, 72);
      },
      expect: [{ status: 'warn', subject: BUILDS, message: '3 job dir(s) unused for more than 24 h', evidence: ['count 3', /^oldest \/home\/gitlab-runner\/builds\/x7Tq9Lm2a\/.* 72 h ago\)$/, 'total bytes 3000'] }],
    },
    {
      name: 'attacker: a job\'s file and link in a group dir do not turn the group into a job dir (its project is still found by .git)',
      build: async (t) => {
        await shellRunner(t);
        const app = `${BUILDS}/t0ken123/0/group/app`;
        await jobCheckout(t, app, { bytes: 100 });
        await t.file(`${BUILDS}/t0ken123/0/group/planted.txt`, 'x');
        await t.symlink(`${BUILDS}/t0ken123/0/group/app.swap`, '/etc');
        await ageTree(t, app, 72);
      },
      expect: [{ status: 'warn', subject: BUILDS, message: '1 job dir(s) unused', evidence: [/^oldest \/home\/gitlab-runner\/builds\/t0ken123\/0\/group\/app \(/] }],
    },
    {
      name: 'Jenkins agent -workDir: workspace/<job> and workspace/<job>@2 without .git are job dirs, @tmp is not',
      build: async (t) => {
        await jenkinsAgent(t);
        const ws = '/var/lib/jenkins/agent/workspace';
        await t.file(`${ws}/app/target/app.jar`, Buffer.alloc(100), { uid: 1500, gid: 1500 });
        await t.file(`${ws}/app@2/target/app.jar`, Buffer.alloc(100), { uid: 1500, gid: 1500 });
        await t.dir(`${ws}/app@tmp`, { uid: 1500, gid: 1500 });
        await ageTree(t, ws, 50);
      },
      expect: [{ status: 'warn', subject: '/var/lib/jenkins/agent', message: '2 job dir(s) unused', evidence: ['count 2', 'total bytes 200'] }],
    },
    {
      name: 'Actions _work/<repo>/<repo> without .git (_actions, _temp are the runner\'s own)',
      build: async (t) => {
        await t.useradd('gh', { uid: 1200 });
        await t.unit('actions.runner.acme-app.b1.service', '[Service]\nUser=gh\nWorkingDirectory=/home/gh/actions-runner\nExecStart=/home/gh/actions-runner/runsvc.sh\n');
        await t.file('/home/gh/actions-runner/.runner', '{"workFolder": "_work"}', { uid: 1200, gid: 1200 });
        await t.file('/home/gh/actions-runner/_work/app/app/dist/a.js', 'x', { uid: 1200, gid: 1200 });
        await t.file('/home/gh/actions-runner/_work/_temp/x.sh', 'x', { uid: 1200, gid: 1200 });
        await t.dir('/home/gh/actions-runner/_work/_actions/actions/checkout', { uid: 1200, gid: 1200 });
        await ageTree(t, '/home/gh/actions-runner/_work', 80);
      },
      expect: [{ status: 'warn', subject: '/home/gh/actions-runner/_work', message: '1 job dir(s) unused', evidence: [/^oldest \/home\/gh\/actions-runner\/_work\/app\/app \(/] }],
    },
    {
      name: 'old checkouts of two projects, count, oldest and total bytes',
      build: async (t) => {
        await shellRunner(t);
        await jobCheckout(t, `${BUILDS}/t0ken123/0/group/app`, { bytes: 5000 });
        await jobCheckout(t, `${BUILDS}/t0ken123/1/other/lib`, { bytes: 3000 });
        await jobCheckout(t, `${BUILDS}/t0ken123/0/group/fresh`);
        await ageTree(t, `${BUILDS}/t0ken123/0/group/app`, 72);
        await ageTree(t, `${BUILDS}/t0ken123/1/other/lib`, 30);
      },
      // each checkout: HEAD (21) + index (64) + config (125 with the default remote) + src
      expect: [
        {
          status: 'warn',
          subject: BUILDS,
          message: '2 job dir(s) unused for more than 24 h while no job runs',
          evidence: ['count 2', /^oldest \/home\/gitlab-runner\/builds\/t0ken123\/0\/group\/app \(last used .*, 72 h ago\)$/, /^total bytes 8\d\d\d$/],
        },
      ],
    },
    {
      name: 'Actions runner _work with an old checkout (builds_dir of GitLab unset)',
      build: async (t) => {
        await t.useradd('gh', { uid: 1200 });
        await t.file('/home/gh/actions-runner/.runner', '\ufeff{"agentName": "gh-1", "workFolder": "_work"}');
        await t.unit('actions.runner.org-repo.gh-1.service', '[Service]\nExecStart=/home/gh/actions-runner/runsvc.sh\nUser=gh\nWorkingDirectory=/home/gh/actions-runner\n');
        await jobCheckout(t, '/home/gh/actions-runner/_work/repo/repo');
        await ageTree(t, '/home/gh/actions-runner/_work/repo', 100);
      },
      expect: [{ status: 'warn', subject: '/home/gh/actions-runner/_work', evidence: ['count 1'] }],
    },
  ],
  notApplicable: [
    {
      name: 'no runner at all',
      build: async () => {},
      expect: [{ status: 'skip', subject: 'builds' }],
    },
    {
      name: 'shell runner that never ran a job (no builds dir yet)',
      build: (t) => shellRunner(t),
      expect: [{ status: 'skip', subject: 'builds', message: `no builds dir exists yet: ${BUILDS} (builds dir of runner:shell-1, shell default)` }],
    },
  ],
});
