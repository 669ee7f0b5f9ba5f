import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

export const BUILDS = '/home/gitlab-runner/builds';
export const JOB = `${BUILDS}/t0ken123/0/group/app`;
export const MIRROR = `${BUILDS}/t0ken123/1/gh/mirror`;
/** Every secret the credential fixtures plant: none may appear in a plan, an output or a journal. */
export const SECRETS = ['SECRETJOBTOKEN', 'SECRETGITHUBTOKEN', 'Z2l0bGFiLWNpLXRva2VuOlNFQ1JFVA', 'SECRETNPMTOKEN', 'SECRETPASS', 'p@ss%word'];

/** A shell runner as in test/checks/build (gitlab-runner, uid 998, default builds dir). */
export async function shellRunner(t: FixtureTree): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
}
