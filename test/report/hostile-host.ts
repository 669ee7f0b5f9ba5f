import { promises as fsp } from 'node:fs';
import { key } from '../checks/ssh/fixture.js';
import { ageTree, gitlabRunnerUnit, jobCheckout, type FixtureTree } from '../helpers/fixture-tree.js';

/** The runner user: every job runs as it, and it owns what it plants. */
export const JOB = { uid: 999, gid: 999 };
export const HOME = '/home/gitlab-runner';
export const BUILDS = `${HOME}/builds`;
export const USER_CONFIG = `${HOME}/.gitlab-runner/config.toml`;
export const ACTIONS = `${HOME}/actions-runner`;

/**
 * Names a job chooses to attack whoever reads the report: clear the screen,
 * retitle the window, forge a PASS line (CR or LF), a C1 CSI, table pipes,
 * a backtick that would open a code span, a live image or link, raw HTML,
 * a mention and an e-mail autolink, a noncharacter invalid in XML 1.0.
 */
export const NAMES = {
  clear: 'clear\x1b[2J\x1b[H',
  title: 'title\x1b]0;owned\x07',
  cr: 'cr\r  PASS  RG-SSH-001  all clear',
  lf: 'lf\n  PASS  RG-BUILD-002  nothing here',
  csi: 'csi\u009b2J',
  pipe: 'pipe| x | y |',
  tick: 'tick`![x](x.png)`',
  html: 'html<img src=x onerror=alert(1)>&amp;',
  link: '[click](javascript:alert(1))',
  mention: '@everyone mail@evil.example.com www.evil.example',
  nonchar: 'nonchar\ufffe\uffff',
  del: 'del\x7f\x01x',
  uri: 'uri#frag?q=1%41;a=b',
} as const;

/** Two names that read the same once neutralised (a real ESC, and the four characters `\x1b`): one Prometheus series. */
export const LOOKALIKES = ['dup\x1b', 'dup\\x1b'] as const;

/** Runner names (TOML escapes in config.toml): the full URL forms, which a file name cannot hold. */
export const RUNNER_NAMES = [
  'r1\x1b[2J\r  PASS  RG-RUN-003  runner:ok: fine',
  'r2 ![x](http://127.0.0.1/x) <img src=x> | forged | row |',
  'r3 `` ` \x1b]0;owned\x07\u009b31m',
];

/** U+FFFD: a lone surrogate in .runner is encoded as this when the agent touches the disk. */
const LONE = '\ud800';

/** TOML basic string with every non-printable as \uXXXX (TOML allows control characters only escaped). */
function tomlString(s: string): string {
  return `"${[...s].map((c) => (/[\x00-\x1f\x7f-\x9f"\\]/.test(c) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('')}"`;
}

/**
 * A GitLab Runner in the user-mode setup (config.toml in the runner user's
 * home, written by jobs) and a self-hosted Actions runner in the same home,
 * whose `.runner` a job rewrote. The job planted keys, credential checkouts
 * and old job dirs under hostile names.
 */
export async function hostileHost(t: FixtureTree): Promise<void> {
  await t.dir('/home', { mode: 0o755 });
  await t.dir('/root', { mode: 0o700 });
  await t.dir('/tmp', { mode: 0o1777 });
  await t.useradd('gitlab-runner', { uid: JOB.uid });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: USER_CONFIG, userArg: 'gitlab-runner' }));
  const runners = RUNNER_NAMES.map((n) => `[[runners]]\n  name = ${tomlString(n)}\n  executor = "docker"\n  builds_dir = ${tomlString(BUILDS)}\n  [runners.docker]\n    privileged = true\n    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]\n`);
  await t.file(USER_CONFIG, `concurrent = 1\n\n${runners.join('\n')}`, { mode: 0o644, ...JOB });
  await t.dir(`${HOME}/.gitlab-runner`, { mode: 0o755, ...JOB });

  for (const [i, name] of Object.values(NAMES).entries()) {
    const dir = `${BUILDS}/${name}/${i}/group/${name}`;
    await jobCheckout(t, dir, { remote: `https://gitlab-ci-token:SECRETJOBTOKEN${i}@gitlab.example.com/group/app.git` });
    await t.file(`${dir}/${name}.pem`, key('rsa-pem'), { mode: 0o644, ...JOB });
    await ageTree(t, dir, 72);
    await t.file(`/tmp/${name}`, key('ed25519'), { mode: 0o644, ...JOB });
  }
  for (const name of LOOKALIKES) await t.file(`/tmp/${name}`, key('ed25519'), { mode: 0o644, ...JOB });
  // Everything under the builds dir belongs to the job.
  await chownTree(t, BUILDS);

  // .runner as a job rewrites it: the lone surrogate is legal JSON text.
  await t.unit('actions.runner.acme.evil.service', `[Service]\nExecStart=${ACTIONS}/runsvc.sh\nUser=gitlab-runner\nWorkingDirectory=${ACTIONS}\n`);
  await t.file(`${ACTIONS}/runsvc.sh`, '#!/bin/bash\n', { mode: 0o755, ...JOB });
  const dotRunner = `{"agentId": 7, "agentName": "evil\\ud800\\u001b[2J", "poolName": "\\udc00", "serverUrl": "https://pipelines.actions.githubusercontent.com/abc", "workFolder": "_work\\ud800"}`;
  await t.file(`${ACTIONS}/.runner`, dotRunner, { mode: 0o644, ...JOB });
  await t.file(`${ACTIONS}/.credentials`, '{"scheme": "OAuth"}', { mode: 0o644, ...JOB });
  // What the agent reaches for "_work\ud800": Node writes a lone surrogate as U+FFFD.
  const work = `${ACTIONS}/_work${LONE}`.replace(LONE, '\ufffd');
  await jobCheckout(t, `${work}/app/app`, { remote: 'https://x-access-token:SECRETGITHUBTOKEN@github.com/acme/app.git' });
  await t.file(`${work}/app/app/deploy${NAMES.nonchar}.pem`, key('rsa-pkcs8'), { mode: 0o644, ...JOB });
  await ageTree(t, `${work}/app/app`, 72);
  // A checkout RG-BUILD-002 scrubs, so the plan shows a diff whose ---/+++ header is the job-chosen path.
  await jobCheckout(t, `${work}/${NAMES.lf}/${NAMES.clear}`, { remote: 'https://x-access-token:SECRETGITHUBTOKEN2@github.com/acme/lib.git' });
  await chownTree(t, ACTIONS);
}

async function chownTree(t: FixtureTree, target: string): Promise<void> {
  const visit = async (p: string): Promise<void> => {
    await fsp.lchown(p, JOB.uid, JOB.gid);
    const st = await fsp.lstat(p);
    if (st.isDirectory()) for (const e of await fsp.readdir(p)) await visit(`${p}/${e}`);
  };
  await visit(t.p(target));
}
