import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../../agent/host/index.js';
import { applyPlans } from '../../../agent/remediate/apply.js';
import { rollbackRun } from '../../../agent/remediate/rollback.js';
import dockerGroup from '../../../remediations/docker/docker-group.js';
import socketPermissions, { DROP_IN } from '../../../remediations/docker/socket-permissions.js';
import { usePlanFixture } from '../../helpers/remediation-cases.js';
import { dockerHost, gitlabRunner } from '../../checks/docker/fixture.js';

const fixture = usePlanFixture();
const { planOn } = fixture;

describe('RG-DOCKER-001 removes runner users only, and only where that cannot break the runner', () => {
  it('an administrator is left to the admin; the runner user goes', async () => {
    const p = await planOn(dockerGroup, async (t) => {
      await dockerHost(t);
      await gitlabRunner(t, 'shell');
      await t.useradd('alice', { uid: 1001, groups: ['docker'] });
      await t.addToGroup('gitlab-runner', 'docker');
    });
    expect(p.plans.map((x) => [x.subject, x.steps])).toEqual([['user:gitlab-runner', [{ op: 'groupRemove', user: 'gitlab-runner', group: 'docker' }]]]);
    expect(p.refusals).toEqual([
      { remediation: 'RG-DOCKER-001', subject: 'user:alice', reason: 'alice is not a runner user: whether an administrator keeps Docker (root) access is yours to decide (gpasswd --delete alice docker)' },
    ]);
  });

  it('docker as the primary group (/etc/passwd) is refused: gpasswd cannot change it', async () => {
    const p = await planOn(dockerGroup, async (t) => {
      await dockerHost(t);
      await t.file('/etc/passwd', 'root:x:0:0::/root:/bin/sh\ngitlab-runner:x:998:999::/home/gitlab-runner:/bin/sh\n');
      await t.unit('gitlab-runner.service', '[Service]\nExecStart=/usr/bin/gitlab-runner run\nUser=gitlab-runner\n');
      await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', '[[runners]]\n  name = "deploy"\n  executor = "shell"\n', { mode: 0o600 });
    });
    expect(p.findings.map((f) => f.status)).toEqual(['fail']);
    expect(p.plans).toEqual([]);
    expect(p.refusals.map((r) => r.reason)).toEqual(["docker is gitlab-runner's primary group (/etc/passwd): gpasswd cannot remove that; give gitlab-runner a group of its own (usermod -g) by hand"]);
  });

  it('the runner service itself running as the user with the docker executor is refused: every job would fail', async () => {
    const p = await planOn(dockerGroup, async (t) => {
      await dockerHost(t);
      await t.useradd('gitlab-runner', { uid: 998, groups: ['docker'] });
      await t.unit('gitlab-runner.service', '[Service]\nExecStart=/usr/bin/gitlab-runner run\nUser=gitlab-runner\n');
      await t.file('/home/gitlab-runner/.gitlab-runner/config.toml', '[[runners]]\n  name = "d"\n  executor = "docker"\n', { mode: 0o600 });
    });
    expect(p.findings.map((f) => f.status)).toEqual(['warn']);
    expect(p.plans).toEqual([]);
    expect(p.refusals.map((r) => r.reason)).toEqual([
      'gitlab-runner runs the GitLab Runner service, whose docker executor reaches Docker through the socket as gitlab-runner: without the group every job fails; run the service as root (the packaged default) or use rootless Docker',
    ]);
  });

  it('rollback after someone else edited the group files re-adds the user with gpasswd and keeps their edit', async () => {
    const p = await planOn(dockerGroup, async (t) => {
      await dockerHost(t);
      await gitlabRunner(t, 'shell');
      await t.addToGroup('gitlab-runner', 'docker');
    });
    const { t, state } = fixture;
    const applied = await applyPlans(createHost({ root: t.root }), p.plans, state);
    expect(applied.status).toBe('applied');
    execFileSync('groupadd', ['--root', t.root, '-g', '1500', 'builders']);
    const { entries } = await rollbackRun(createHost({ root: t.root }), state, applied.runId);
    expect(entries.map((e) => [e.state, e.note])).toEqual([['undone', 're-added gitlab-runner to docker (the group files changed since)']]);
    const group = readFileSync(t.p('/etc/group'), 'utf8');
    expect(group).toMatch(/^docker:x:999:gitlab-runner$/m);
    expect(group).toMatch(/^builders:x:1500:$/m);
  });
});

describe('RG-DOCKER-002 proves its drop-in wins before proposing it', () => {
  it('a drop-in sorting after ours (zz-local.conf) would override it: the unit is refused, the socket still fixed', async () => {
    const p = await planOn(socketPermissions, async (t) => {
      await dockerHost(t);
      await t.socket('/run/docker.sock', { mode: 0o666, uid: 0, gid: 999 });
      await t.file('/etc/systemd/system/docker.socket.d/zz-local.conf', '[Socket]\nSocketMode=0666\n');
    });
    expect(p.plans.map((x) => x.steps)).toEqual([[{ op: 'chmod', path: '/run/docker.sock', mode: 0o660, pin: expect.objectContaining({ kind: 'socket' }) }]]);
    expect(p.refusals).toEqual([
      {
        remediation: 'RG-DOCKER-002',
        subject: '/lib/systemd/system/docker.socket',
        reason: `with ${DROP_IN} in place docker.socket would still be fail: anyone on the host can drive Docker (root): others can read/write (mode 0666) (/lib/systemd/system/docker.socket (+ ${DROP_IN}, /etc/systemd/system/docker.socket.d/zz-local.conf): SocketMode=0666 SocketUser=root SocketGroup=docker)`,
      },
    ]);
  });
});
