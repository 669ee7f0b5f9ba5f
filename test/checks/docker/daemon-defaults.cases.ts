import check from '../../../checks/docker/daemon-defaults.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'all four in daemon.json',
      build: (t) => dockerHost(t, JSON.stringify({ 'userns-remap': 'default', 'no-new-privileges': true, icc: false, 'live-restore': true }, null, '\t')),
      expect: [{ status: 'pass', subject: 'dockerd', evidence: ['/etc/docker/daemon.json: "icc": false'] }],
    },
    {
      name: 'two in daemon.json, two as dockerd flags in a drop-in',
      build: async (t) => {
        await dockerHost(t, JSON.stringify({ icc: false, 'live-restore': true }));
        await t.file('/etc/systemd/system/docker.service.d/harden.conf', '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --userns-remap=default --no-new-privileges\n');
      },
      expect: [{ status: 'pass', subject: 'dockerd', evidence: ['/lib/systemd/system/docker.service ExecStart: --no-new-privileges'] }],
    },
    {
      name: 'flags in DOCKER_OPTS (--icc=false, --live-restore=true, --userns-remap "dockremap")',
      build: async (t) => {
        await dockerHost(t, '{"no-new-privileges": true}');
        await t.file('/etc/default/docker', 'DOCKER_OPTS="--icc=false --live-restore=true --userns-remap dockremap"\n');
      },
      expect: [{ status: 'pass', subject: 'dockerd', evidence: ['/etc/default/docker DOCKER_OPTS: --userns-remap=dockremap'] }],
    },
  ],
  failing: [
    {
      name: 'no daemon.json: all missing',
      build: (t) => dockerHost(t),
      expect: [{ status: 'warn', subject: 'dockerd', message: 'missing userns-remap, no-new-privileges, icc, live-restore', evidence: ['/etc/docker/daemon.json does not exist: "icc" not set'] }],
    },
    {
      name: 'icc true, live-restore set',
      build: (t) => dockerHost(t, '{"icc": true, "live-restore": true, "userns-remap": "default"}'),
      expect: [{ status: 'warn', subject: 'dockerd', message: 'missing no-new-privileges, icc (want "no-new-privileges": true, "icc": false)', evidence: ['/etc/docker/daemon.json: "icc": true', '/etc/docker/daemon.json: "no-new-privileges" not set'] }],
    },
    {
      name: 'flags that switch things off count as off (--live-restore=false, --no-new-privileges=false, empty --userns-remap=)',
      build: async (t) => {
        await dockerHost(t, '{"icc": false}');
        await t.file('/etc/systemd/system/docker.service.d/opts.conf', '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --live-restore=false --no-new-privileges=false --userns-remap=\n');
      },
      expect: [
        {
          status: 'warn',
          subject: 'dockerd',
          message: 'missing userns-remap, no-new-privileges, live-restore',
          evidence: ['ExecStart: --live-restore=false', 'ExecStart: --no-new-privileges=false', 'ExecStart: --userns-remap='],
        },
      ],
    },
    {
      name: 'an empty daemon.json: all missing',
      build: (t) => dockerHost(t, ''),
      expect: [{ status: 'warn', subject: 'dockerd', message: 'missing userns-remap, no-new-privileges, icc, live-restore', evidence: ['/etc/docker/daemon.json: "live-restore" not set'] }],
    },
  ],
  notApplicable: [{ name: 'Docker not installed', build: async () => {}, expect: [{ status: 'skip', subject: 'dockerd' }] }],
  errors: [
    { name: 'daemon.json is an array', build: (t) => dockerHost(t, '[]'), expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: 'not a JSON object' }] },
    { name: 'daemon.json cut short', build: (t) => dockerHost(t, '{\n  "icc": false,\n  "live-restore": tr'), expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: '/etc/docker/daemon.json:3: invalid JSON (Unexpected end of JSON input)' }] },
    {
      name: 'a directory where daemon.json should be',
      build: async (t) => {
        await dockerHost(t);
        await t.dir('/etc/docker/daemon.json');
      },
      expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: 'is a directory' }],
    },
  ],
});
