import { chown } from 'node:fs/promises';
import check from '../../../checks/host/runner-versions.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner, DIR, SUBJECT } from '../github/fixture.js';
import { runner, runnerHost } from '../runner/fixture.js';

const NOW = '2026-09-01T00:00:00Z';

/** /var/lib/dpkg/status with gitlab-runner at `version` between two other packages. */
async function dpkg(t: FixtureTree, version: string, status = 'install ok installed'): Promise<void> {
  const other = (p: string) => `Package: ${p}\nStatus: install ok installed\nPriority: optional\nVersion: 1.0-1\nDescription: x\n`;
  await t.file('/var/lib/dpkg/status', `${other('adduser')}\nPackage: gitlab-runner\nStatus: ${status}\nPriority: optional\nSection: devel\nArchitecture: amd64\nVersion: ${version}\nDescription: GitLab Runner\n\n${other('zlib1g')}`);
}

/** The listener's deps file as the release tarball ships it; root's when `rootOwned` (the dir too). */
async function listener(t: FixtureTree, version: string, rootOwned: boolean): Promise<void> {
  const own = rootOwned ? { uid: 0, gid: 0 } : { uid: 1200, gid: 1200 };
  await t.file(`${DIR}/bin/Runner.Listener.deps.json`, `{\n  "targets": {\n    ".NETCoreApp,Version=v8.0/linux-x64": {\n      "Runner.Listener/${version}": {}\n    }\n  }\n}\n`, { mode: 0o644, ...own });
  await chown(t.p(`${DIR}/bin`), own.uid, own.gid);
  await chown(t.p(DIR), own.uid, own.gid);
}

export default defineCases({
  check,
  passing: [
    {
      name: 'gitlab-runner 19.3.0 from dpkg (the table entry 10 days old)',
      now: NOW,
      build: async (t) => {
        await runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n'));
        await dpkg(t, '19.3.0-1');
      },
      expect: [{ status: 'pass', subject: 'gitlab-runner', message: 'gitlab-runner 19.3.0-1 is at least 19.1.0', evidence: ['gitlab-runner 19.3.0-1 (/var/lib/dpkg/status)', /^minimum-safe table entry as of 2026-08-22 \(10 days old\)/] }],
    },
    {
      name: 'a root-owned Actions runner 2.331.0, audited while its table entry is 90 days old',
      now: '2026-03-01T00:00:00Z',
      build: async (t) => {
        await actionsRunner(t);
        await listener(t, '2.331.0', true);
      },
      expect: [{ status: 'pass', subject: SUBJECT, message: 'actions-runner 2.331.0 is at least 2.329.0', evidence: [/as of 2025-12-01 \(90 days old\)/] }],
    },
  ],
  failing: [
    {
      name: 'the same runner audited when the table entry is 274 days old: warn, update the table',
      now: NOW,
      build: async (t) => {
        await actionsRunner(t);
        await listener(t, '2.336.0', true);
      },
      expect: [{ status: 'warn', subject: SUBJECT, message: /^actions-runner 2\.336\.0 is at least 2\.329\.0; the table is 274 days old: update checks\/data\/min-versions\.json$/ }],
    },
    {
      name: 'gitlab-runner 18.11.0 misses the kubernetes uid/gid fix (18.11.1); 18.10.1 is past maintenance too',
      now: NOW,
      build: async (t) => {
        await runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n'));
        await dpkg(t, '18.11.0-1');
      },
      expect: [{ status: 'fail', subject: 'gitlab-runner', message: /^gitlab-runner 18\.11\.0-1 lacks security fixes: kubernetes executor: a job could run as uid or gid 0/ }],
    },
    {
      name: '19.0.3 has the fix but its line left maintenance',
      now: NOW,
      build: async (t) => {
        await runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n'));
        await dpkg(t, '19.0.3');
      },
      expect: [{ status: 'fail', subject: 'gitlab-runner', message: 'gitlab-runner 19.0.3 is older than the minimum safe 19.1.0' }],
    },
    {
      name: 'an Actions runner 2.320.0 (below GitHub\'s minimum), as config.sh leaves it',
      now: NOW,
      build: async (t) => {
        await actionsRunner(t);
        await listener(t, '2.320.0', false);
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: 'actions-runner 2.320.0 is older than the minimum safe 2.329.0' }],
    },
    {
      name: 'attacker: a job writes 9.9.9 into the deps file of the runner dir it owns: not trusted for a pass',
      now: NOW,
      build: async (t) => {
        await actionsRunner(t);
        await listener(t, '9.9.9', false);
      },
      expect: [{ status: 'warn', subject: SUBJECT, message: /which the job user can write: a job could have written any version there$/ }],
    },
    {
      name: 'gitlab-runner installed, dpkg says deinstalled: version unknown',
      now: NOW,
      build: async (t) => {
        await runnerHost(t, runner('d', 'docker', '\t[runners.docker]\n'));
        await dpkg(t, '19.3.0-1', 'deinstall ok config-files');
      },
      expect: [{ status: 'warn', subject: 'gitlab-runner', message: 'its version is unknown' }],
    },
  ],
  notApplicable: [{ name: 'no runner at all', build: async () => {}, expect: [{ status: 'skip', subject: 'runner-versions' }] }],
});
