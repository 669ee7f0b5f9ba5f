import check from '../../../checks/build/leftover-dirs.js';
import { defineCases } from '../../helpers/check-cases.js';
import { ageTree, gitlabRunnerUnit, jobCheckout, type FixtureTree } from '../../helpers/fixture-tree.js';

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
