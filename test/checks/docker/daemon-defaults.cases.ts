import check from '../../../checks/docker/daemon-defaults.js';
import { defineCases } from '../../helpers/check-cases.js';
import { dockerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    { name: 'all four in daemon.json', build: (t) => dockerHost(t, JSON.stringify({ 'userns-remap': 'default', 'no-new-privileges': true, icc: false, 'live-restore': true })), expect: [{ status: 'pass', subject: 'dockerd' }] },
    {
      name: 'two in daemon.json, two as dockerd flags in a drop-in',
      build: async (t) => {
        await dockerHost(t, JSON.stringify({ icc: false, 'live-restore': true }));
        await t.file('/etc/systemd/system/docker.service.d/harden.conf', '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// --userns-remap=default --no-new-privileges\n');
      },
      expect: [{ status: 'pass', subject: 'dockerd' }],
    },
  ],
  failing: [
    { name: 'no daemon.json: all missing', build: (t) => dockerHost(t), expect: [{ status: 'warn', subject: 'dockerd', message: 'missing userns-remap, no-new-privileges, icc, live-restore' }] },
    { name: 'icc true, live-restore set', build: (t) => dockerHost(t, '{"icc": true, "live-restore": true, "userns-remap": "default"}'), expect: [{ status: 'warn', subject: 'dockerd', message: 'missing no-new-privileges, icc', evidence: ['/etc/docker/daemon.json: "icc": false'] }] },
  ],
  notApplicable: [{ name: 'Docker not installed', build: async () => {}, expect: [{ status: 'skip', subject: 'dockerd' }] }],
  errors: [{ name: 'daemon.json is an array', build: (t) => dockerHost(t, '[]'), expect: [{ status: 'error', subject: '/etc/docker/daemon.json', message: 'not a JSON object' }] }],
});
