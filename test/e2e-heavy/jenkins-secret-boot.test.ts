/**
 * RG-JENKINS-002's fix live in a booted Debian 12 (systemd-nspawn,
 * --private-network), the bundle run by Debian's node: a system unit
 * jenkins-agent.service (User=jenkins) passes `-secret <64 hex>` on its
 * command line, and is running. The agent is a stand-in for java (a shell
 * script at /usr/local/bin/java): its /proc cmdline has the argv shape the
 * discovery reads (java -jar agent.jar ...), and it reads `-secret @file` as
 * the unit's user, as remoting would, recording a hash of what it read.
 *
 *  - fix --apply: secret file 0600 jenkins, the drop-in, the unit 0600, and a
 *    real `systemctl daemon-reload` (NeedDaemonReload=no, systemd's ExecStart
 *    carries @file); the running agent untouched (same MainPID, start time),
 *    so the re-check still fails on its command line, as documented;
 *  - the admin's restart: the agent runs with @file and read the secret as
 *    its user; the audit passes;
 *  - rollback: files and modes as before, systemd reloaded again, ExecStart
 *    as before, the audit fails again;
 *  - a drop-in sorting after ours that sets ExecStart= again (in the unit's
 *    .d dir, or in the dash-prefix dir jenkins-.service.d, which systemd and
 *    the unit facts both read), or a drop-in dir the agent user (whose builds run as it) owns:
 *    refused, nothing changed.
 * No output, runnerguard journal.json or systemd journal record holds the secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import { buildBundle } from '../helpers/cli.js';
import { chrootRun, removeRoot, scratchCopy, type RunResult } from '../helpers/debian-root.js';
import { boot, ensureBookwormSystemdNode, type Booted } from '../helpers/nspawn.js';

const UNIT = 'jenkins-agent.service';
const SUBJECT = `jenkins-agent:${UNIT}`;
const FILE = '/etc/jenkins-agent/jenkins-agent.secret';
const DROP_DIR = `/etc/systemd/system/${UNIT}.d`;
const DROP_IN = `${DROP_DIR}/runnerguard-secret.conf`;
const WORK = '/var/lib/jenkins-agent';
/** Fresh each run: nothing on the image can hold it by chance. */
const SECRET = randomBytes(32).toString('hex');
const exec = (secret: string) => `/usr/local/bin/java -jar ${WORK}/agent.jar -jnlpUrl http://127.0.0.1:8080/computer/a/jenkins-agent.jnlp -secret ${secret} -workDir ${WORK}`;
const UNIT_TEXT = `[Unit]\nDescription=Jenkins agent\n\n[Service]\nUser=jenkins\nWorkingDirectory=${WORK}\nExecStart=${exec(SECRET)}\n\n[Install]\nWantedBy=multi-user.target\n`;
/** sh keeps its own argv in /proc (shift does not change it): `/bin/sh /usr/local/bin/java -jar .../agent.jar ...`. */
const STAND_IN = `#!/bin/sh
# runnerguard e2e: a stand-in for java running agent.jar. Reads -secret @file as remoting does, records a hash of it.
secret= work=
while [ $# -gt 0 ]; do case "$1" in -secret) secret="$2"; shift ;; -workDir) work="$2"; shift ;; esac; shift; done
case "$secret" in
  @*) sha256sum < "\${secret#@}" > "$work/secret-read" || echo unreadable > "$work/secret-read" ;;
  *) echo inline > "$work/secret-read" ;;
esac
while :; do sleep 3600; done
`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let dir: string;
let box: Booted | undefined;
const p = (target: string) => path.join(dir, target);
const outputs: string[] = [];

/** argv in the container; stdout and stderr kept to be searched for the secret. */
async function rg(...args: string[]): Promise<RunResult> {
  const r = await box!.exec(['runnerguard', ...args]);
  outputs.push(r.stdout, r.stderr);
  return r;
}
const show = async (...props: string[]) => (await box!.must(['systemctl', 'show', ...props.flatMap((x) => ['-p', x]), UNIT])).trim().split('\n').sort().join('\n');
const prop = async (name: string) => (await box!.must(['systemctl', 'show', '-P', name, UNIT])).trim();
/** The command systemd would start (ExecStart's argv[]; the property also holds the last run's pid and times). */
const execStart = async () => /^\{ path=\S+ ; argv\[\]=(.*) ; ignore_errors=/.exec(await prop('ExecStart'))?.[1];
const cmdline = async (pid: string) => (await box!.must(['cat', `/proc/${pid}/cmdline`])).split('\0').filter(Boolean).join(' ');
/** Type, mode, owner and content hash of everything the fix may touch. */
const tree = () => box!.exec(['sh', '-c', 'find /etc/systemd/system /etc/jenkins-agent -printf "%p %y %m %u:%g %l\\n" 2>&1 | sort; find /etc/systemd/system /etc/jenkins-agent -type f -exec sha256sum {} + 2>/dev/null | sort']).then((r) => r.stdout);
/** The runs in runnerguard's journal. */
const runs = () => box!.exec(['ls', '/var/lib/runnerguard/journal']).then((r) => r.stdout.split('\n').filter(Boolean));
/** The agent's process as systemd sees it: a restart changes each of these. */
const running = () => show('ActiveState', 'SubState', 'MainPID', 'ExecMainStartTimestampMonotonic', 'NRestarts');

async function audit(): Promise<{ code: number | null; finding: Report['findings'][number] }> {
  const r = await rg('audit', '--only', 'RG-JENKINS-002', '--format', 'json');
  const findings = (JSON.parse(r.stdout) as Report).findings;
  expect(findings.map((f) => [f.check, f.subject])).toEqual([['RG-JENKINS-002', SUBJECT]]);
  return { code: r.code, finding: findings[0]! };
}

let before: { exec: string; tree: string; unitMode: string };
let runId = '';

describe('RG-JENKINS-002 live in a booted Debian 12 (systemd-nspawn): the agent secret moved to a 0600 file, daemon-reload run, the agent never restarted', () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('this stage needs root (chroot, systemd-nspawn)');
    const [base, bundle] = await Promise.all([ensureBookwormSystemdNode(), Promise.resolve().then(buildBundle)]);
    dir = await scratchCopy(base, 'jenkins-secret-boot');
    // The bundle built from this tree (as npm run build does), run by Debian's node 18.
    await fsp.mkdir(p('/usr/local/lib/runnerguard'), { recursive: true });
    await fsp.copyFile(bundle, p('/usr/local/lib/runnerguard/runnerguard.mjs'));
    await fsp.writeFile(p('/usr/local/bin/runnerguard'), '#!/bin/sh\nexec /usr/bin/node /usr/local/lib/runnerguard/runnerguard.mjs "$@"\n', { mode: 0o755 });
    await fsp.rm(path.dirname(bundle), { recursive: true });
    await fsp.writeFile(p('/usr/local/bin/java'), STAND_IN, { mode: 0o755 });
    // The agent user as the Jenkins docs create it; its home the agent's work dir; the unit as an admin writes it (0644).
    for (const argv of [
      ['useradd', '--system', '--home-dir', WORK, '--create-home', '--shell', '/usr/sbin/nologin', 'jenkins'],
      ['systemctl', 'disable', 'auditd.service'], // auditd cannot run in a container: no failed unit at boot
    ]) {
      const r = await chrootRun(dir, argv);
      expect(r.code, r.stderr).toBe(0);
    }
    await fsp.writeFile(p(`${WORK}/agent.jar`), 'PK\u0003\u0004', { mode: 0o644 });
    await fsp.writeFile(p(`/etc/systemd/system/${UNIT}`), UNIT_TEXT, { mode: 0o644 });
    const on = await chrootRun(dir, ['systemctl', 'enable', UNIT]);
    expect(on.code, on.stderr).toBe(0);
    box = await boot(dir);
  }, 1_800_000);

  afterAll(async () => {
    try {
      await box?.stop();
    } finally {
      if (dir) await removeRoot(dir);
    }
  }, 180_000);

  it('before: the agent runs with the secret on its command line; the audit fails naming its pid and the 0644 unit', async () => {
    const b = box!;
    expect(await show('ActiveState', 'LoadState', 'NeedDaemonReload', 'FragmentPath', 'DropInPaths')).toBe(
      `ActiveState=active\nDropInPaths=\nFragmentPath=/etc/systemd/system/${UNIT}\nLoadState=loaded\nNeedDaemonReload=no`,
    );
    const pid = await prop('MainPID');
    expect(await cmdline(pid)).toBe(`/bin/sh ${exec(SECRET)}`);
    expect(await b.must(['cat', `${WORK}/secret-read`])).toBe('inline\n');
    before = { exec: (await execStart())!, tree: await tree(), unitMode: await b.must(['stat', '-c', '%a %U:%G', `/etc/systemd/system/${UNIT}`]) };
    expect(before.exec).toBe(exec(SECRET));
    expect(before.unitMode).toBe('644 root:root\n');
    const { code, finding } = await audit();
    expect([code, finding.status, finding.message]).toEqual([
      1,
      'fail',
      `the agent secret is passed on the command line of pid ${pid}, readable by every local user and build step; it is also written in /etc/systemd/system/${UNIT} (mode 0644, readable by group and others); use -secret @file with a 0600 file`,
    ]);
  });

  it('fix --apply: the secret in a 0600 file of jenkins, the drop-in, daemon-reload really run (systemd starts it with @file), the running agent not restarted', async () => {
    const b = box!;
    const agent = await running();
    const r = await rg('fix', '--apply', 'RG-JENKINS-002');
    runId = /^applied as run (\S+) /m.exec(r.stdout)?.[1] ?? '';
    expect(runId, r.stdout + r.stderr).not.toBe('');
    const reload = `run: systemctl daemon-reload (systemd reads the drop-in; the agent takes it at its next restart (systemctl restart ${UNIT}))`;
    expect(r.stdout).toContain(
      [FILE, DROP_IN].map((f) => `applied RG-JENKINS-002 ${SUBJECT}: write ${f}\n`).join('') +
        `applied RG-JENKINS-002 ${SUBJECT}: chmod 0600 /etc/systemd/system/${UNIT}\n` +
        `applied RG-JENKINS-002 ${SUBJECT}: ${reload}\n` +
        `applied as run ${runId} (undo: runnerguard rollback ${runId})\n`,
    );
    // Not restarted, so the running agent still shows the secret: the re-check says so and the exit code is 1.
    expect([r.code, r.stderr]).toEqual([1, '']);
    expect(r.stdout).toMatch(new RegExp(`\\nre-check RG-JENKINS-002 ${SUBJECT}: fail: the agent secret is passed on the command line of pid ${agent.match(/MainPID=(\d+)/)![1]}, `));
    expect(await running()).toBe(agent);
    expect(await b.must(['cat', `${WORK}/secret-read`])).toBe('inline\n');

    expect(await b.must(['stat', '-c', '%a %U:%G %F', FILE, '/etc/jenkins-agent', DROP_IN, `/etc/systemd/system/${UNIT}`])).toBe(
      `600 jenkins:jenkins regular file\n755 root:root directory\n644 root:root regular file\n600 root:root regular file\n`,
    );
    expect(await b.must(['cat', FILE])).toBe(`${SECRET}\n`);
    expect(await b.must(['cat', DROP_IN])).toContain(`[Service]\nExecStart=\nExecStart=${exec(`@${FILE}`)}\n`);
    // What systemd itself now holds: it reads a drop-in at a daemon-reload only (see the last case).
    expect(await show('NeedDaemonReload', 'DropInPaths')).toBe(`DropInPaths=${DROP_IN}\nNeedDaemonReload=no`);
    expect(await execStart()).toBe(exec(`@${FILE}`));
    expect(await prop('ExecStart')).not.toContain(SECRET);
    const journal = await b.must(['cat', `/var/lib/runnerguard/journal/${runId}/journal.json`]);
    expect(JSON.parse(journal)).toMatchObject({ status: 'applied' });
    // The before-state (the 0644 unit, secret included) is kept where only root reads.
    expect(await b.must(['stat', '-c', '%a %U:%G', '/var/lib/runnerguard', '/var/lib/runnerguard/journal'])).toBe('700 root:root\n700 root:root\n');
    outputs.push(journal);
    // The plan now: nothing to write, the restart is the admin's.
    const plan = await rg('fix', 'RG-JENKINS-002');
    expect([plan.code, plan.stderr]).toEqual([0, '']);
    expect(plan.stdout).toContain(`${SUBJECT}: refused: the unit already passes -secret @${FILE}; the running agent still shows the old secret: restart it (systemctl restart ${UNIT}); runnerguard does not, a restart ends its running builds\n`);
  });

  it("the admin's restart: the agent runs with -secret @file and read the secret as jenkins; the audit passes", async () => {
    const b = box!;
    await b.must(['systemctl', 'restart', UNIT]);
    expect(await prop('ActiveState')).toBe('active');
    expect(await cmdline(await prop('MainPID'))).toBe(`/bin/sh ${exec(`@${FILE}`)}`);
    expect((await b.must(['cat', `${WORK}/secret-read`])).split(' ')[0]).toBe(sha256(`${SECRET}\n`));
    const { code, finding } = await audit();
    expect([code, finding.status, finding.message]).toEqual([0, 'pass', `the secret is read from ${FILE} (-secret @file, mode 0600)`]);
  });

  it('rollback: drop-in and secret file gone, the unit 0644 again, systemd reloaded (ExecStart as before); the audit fails again', async () => {
    const b = box!;
    const agent = await running();
    const r = await rg('rollback');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(
      `undone       RG-JENKINS-002 ${SUBJECT}: run: systemctl daemon-reload (systemd reads the drop-in; the agent takes it at its next restart (systemctl restart ${UNIT})) (re-run after restoring files)\n` +
        `undone       RG-JENKINS-002 ${SUBJECT}: chmod 0600 /etc/systemd/system/${UNIT}\n` +
        [DROP_IN, FILE].map((f) => `undone       RG-JENKINS-002 ${SUBJECT}: write ${f}\n`).join('') +
        `rolled back run ${runId}\n`,
    );
    expect(await show('NeedDaemonReload', 'DropInPaths')).toBe('DropInPaths=\nNeedDaemonReload=no');
    expect(await execStart()).toBe(before.exec);
    expect(await b.must(['stat', '-c', '%a %U:%G', `/etc/systemd/system/${UNIT}`])).toBe(before.unitMode);
    // The files and dirs as before (the dirs the fix made gone too); the run stays in the journal, rolled back.
    expect(await tree()).toBe(before.tree);
    expect(await runs()).toEqual([runId]);
    // Rolling back restarts nothing either.
    expect(await running()).toBe(agent);
    const { code, finding } = await audit();
    expect([code, finding.status]).toEqual([1, 'fail']);
    expect(finding.message).toMatch(/^the agent secret is passed on the command line, readable by every local user and build step; it is also written in \/etc\/systemd\/system\/jenkins-agent\.service \(mode 0644/);
  });

  it('attackers: a drop-in sorting after ours that sets ExecStart= again, one in the dash-prefix dir (jenkins-.service.d), a drop-in dir the agent user owns: each refused with the reason, nothing changed', async () => {
    const b = box!;
    const PREFIX_DIR = '/etc/systemd/system/jenkins-.service.d';
    const override = `${exec(SECRET)} -webSocket`;
    const plant = (d: string) => b.must(['sh', '-c', `mkdir -p -m 0755 ${d} && printf '[Service]\\nExecStart=\\nExecStart=%s\\n' '${override}' > ${d}/zz-override.conf`]);
    const uid = (await b.must(['id', '-u', 'jenkins'])).trim();
    const cases: Array<{ what: string; setup: () => Promise<unknown>; reason: string }> = [
      {
        what: 'a later drop-in in the unit dir',
        setup: async () => {
          await plant(DROP_DIR);
          // systemd's ExecStart changes at a daemon-reload only (what the checks of it above rest on). NeedDaemonReload
          // is no witness: systemd 252 does not see a drop-in dir made since its last reload (its unit path cache).
          expect([await execStart(), await show('NeedDaemonReload')]).toEqual([before.exec, 'NeedDaemonReload=no']);
          await b.must(['systemctl', 'daemon-reload']);
        },
        reason: `with ${DROP_IN} in place the unit would still start 1 other ExecStart= (a drop-in sorting after ours sets it): edit that one by hand`,
      },
      {
        what: 'a later drop-in in the dash-prefix dir',
        setup: async () => {
          await b.must(['rm', '-r', DROP_DIR]);
          await plant(PREFIX_DIR);
          await b.must(['systemctl', 'daemon-reload']);
        },
        // The unit facts read the dash-prefix dirs as systemd does: the same refusal as in the unit's own dir.
        reason: `with ${DROP_IN} in place the unit would still start 1 other ExecStart= (a drop-in sorting after ours sets it): edit that one by hand`,
      },
      {
        what: 'a drop-in dir of the agent user',
        setup: async () => {
          await b.must(['rm', '-r', PREFIX_DIR]);
          await b.must(['install', '-d', '-m', '0755', '-o', 'jenkins', '-g', 'jenkins', DROP_DIR]);
          await b.must(['systemctl', 'daemon-reload']);
          expect(await execStart()).toBe(before.exec);
        },
        reason: `${DROP_DIR} is owned by uid ${uid}, not root's alone: nothing is written there`,
      },
    ];
    for (const { what, setup, reason } of cases) {
      await setup();
      const state = { tree: await tree(), runs: await runs(), exec: await execStart(), agent: await running() };
      if (what !== 'a drop-in dir of the agent user') expect(state.exec, what).toBe(override);
      const r = await rg('fix', '--apply', 'RG-JENKINS-002');
      expect([r.code, r.stderr], what).toEqual([1, '']);
      expect(r.stdout, what).toContain(`\n  ${SUBJECT}: refused: ${reason}\nnothing to apply\n`);
      expect({ tree: await tree(), runs: await runs(), exec: await execStart(), agent: await running() }, what).toEqual(state);
      expect(await show('NeedDaemonReload'), what).toBe('NeedDaemonReload=no');
    }
  });

  it('no output of runnerguard, no journal.json, no systemd journal record holds the secret', async () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const text of outputs) expect(text).not.toContain(SECRET);
    await box!.must(['journalctl', '--sync']);
    const journal = await box!.must(['journalctl', '--no-pager', '-o', 'json', '-b'], { timeoutMs: 60_000 });
    expect(journal).toContain('marked world-inaccessible'); // the fix's chmod, as its impact says; read, not empty
    expect(journal).not.toContain(SECRET);
  });
});
