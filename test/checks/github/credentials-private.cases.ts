import { chmod, rm } from 'node:fs/promises';
import check from '../../../checks/github/credentials-private.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { actionsRunner, DIR, runnerDirs, SUBJECT } from './fixture.js';

/** The home's mode: useradd's default depends on login.defs, the cases state it. */
const home = (t: FixtureTree, mode: number) => chmod(t.p('/home/gh'), mode);
const TOKEN_CREDS = '{"scheme": "OAuthAccessToken", "data": {"token": "ghs_notarealtokennotarealtoken00"}}';

export default defineCases({
  check,
  passing: [
    {
      name: 'stock layout: .credentials 0644 (client id and URLs only), .credentials_rsaparams 0600',
      build: async (t) => {
        await actionsRunner(t, { credsMode: 0o644 });
        await home(t, 0o755);
      },
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [`${DIR}/.credentials: mode 0644 owner gh:gh (client id and URLs only)`, `${DIR}/.credentials_rsaparams: mode 0600 owner gh:gh (confidential, the RSA private key)`] }],
    },
    {
      name: 'the RSA key 0644, but in a 0700 home: nobody else can reach it',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: 0o644 });
        await home(t, 0o700);
      },
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [/\.credentials_rsaparams: mode 0644 owner gh:gh \(confidential, the RSA private key\); the dirs above it let no one else reach it$/] }],
    },
    {
      name: 'only .credentials (0400), no rsaparams',
      build: (t) => actionsRunner(t, { credsMode: 0o400, rsaMode: null }),
      expect: [{ status: 'pass', subject: SUBJECT, evidence: [`${DIR}/.credentials_rsaparams: missing`] }],
    },
  ],
  failing: [
    {
      name: 'the private key group-readable (0640) in a group-searchable home',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: 0o640 });
        await home(t, 0o750);
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: /: \/home\/gh\/actions-runner\/\.credentials_rsaparams \(group\)$/ }],
    },
    {
      name: 'a .credentials holding a token (PAT scheme), 0644 in a 0755 home',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: null });
        await t.file(`${DIR}/.credentials`, TOKEN_CREDS, { mode: 0o644, uid: 1200, gid: 1200 });
        await home(t, 0o755);
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: `${DIR}/.credentials (group and others)`, evidence: [/\.credentials: mode 0644 owner gh:gh \(confidential, scheme "OAuthAccessToken", not OAuth/] }],
    },
    {
      name: 'attacker: a job opens the runner home (chmod 0755) and the key (0644) to a second job user',
      build: async (t) => {
        await actionsRunner(t);
        await home(t, 0o700);
        // What a job running as gh can do to its own files.
        await chmod(t.p('/home/gh'), 0o755);
        await chmod(t.p(`${DIR}/.credentials_rsaparams`), 0o644);
      },
      expect: [{ status: 'fail', subject: SUBJECT, message: `${DIR}/.credentials_rsaparams (group and others)` }],
    },
    {
      name: 'attacker: a job pads .credentials past 64 KiB to look harmless: judged secret',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: null });
        await t.file(`${DIR}/.credentials`, `{"scheme": "OAuth", "data": {"clientId": "x"}, "pad": "${'a'.repeat(70_000)}"}`, { mode: 0o644, uid: 1200, gid: 1200 });
        await home(t, 0o755);
      },
      expect: [{ status: 'fail', subject: SUBJECT, evidence: [/\(confidential, not the JSON the runner writes \(over 64 KiB/] }],
    },
    {
      name: 'dir from [github] runner_dirs, world-readable key under searchable dirs',
      build: async (t) => {
        await actionsRunner(t, { noUnit: true, rsaMode: 0o604 });
        await home(t, 0o711);
      },
      config: runnerDirs(DIR),
      expect: [{ status: 'fail', subject: SUBJECT, message: '(others)' }],
    },
  ],
  notApplicable: [
    { name: 'no Actions runner', build: async () => {}, expect: [{ status: 'skip', subject: 'github-runner' }] },
    {
      name: 'runner dir without credentials (not registered)',
      build: async (t) => {
        await t.file('/opt/r/.runner', '{}');
      },
      config: runnerDirs('/opt/r'),
      expect: [{ status: 'skip', subject: 'github-runner:/opt/r', message: 'not registered' }],
    },
  ],
  errors: [
    {
      name: '.credentials is a directory',
      build: async (t) => {
        await actionsRunner(t, { rsaMode: null });
        await rm(t.p(`${DIR}/.credentials`));
        await t.dir(`${DIR}/.credentials`);
      },
      expect: [{ status: 'error', subject: SUBJECT, message: `${DIR}/.credentials: is not a regular file (dir)` }],
    },
  ],
});
