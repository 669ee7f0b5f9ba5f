import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import check from '../../../checks/disk/encrypted-disks.js';
import { liveLayout, parseMountinfo } from '../../../checks/disk/live-layout.js';
import { judgeLayout, type DataPath } from '../../../checks/disk/storage.js';
import { defaultConfig } from '../../../agent/config/schema.js';
import { runAudit } from '../../../agent/engine/run-checks.js';
import type { Finding } from '../../../agent/engine/types.js';
import { createHost } from '../../../agent/host/index.js';
import { assertFindings, type ExpectedFinding } from '../../helpers/check-cases.js';
import { FixtureTree } from '../../helpers/fixture-tree.js';
import { LUKS_BTRFS, LVM_ON_LUKS, MIXED_VG, PLAIN_CLOUD, THIS_VM, VERITY_ROOT, materialize, type RecordedLayout } from './recorded-layouts.js';

const trees: FixtureTree[] = [];
afterAll(async () => {
  await Promise.all(trees.map((t) => t.remove()));
});

const ROOT: DataPath = { path: '/', role: 'the root filesystem' };
const BUILDS: DataPath = { path: '/home/gitlab-runner/builds', role: 'builds dir of runner:shell-1' };
const DOCKER: DataPath = { path: '/var/lib/docker', role: 'Docker data-root' };

/** The live code path minus the lsblk call: recorded lsblk text, sysfs and mountinfo read through a fixture root. */
async function judgeRecorded(layout: RecordedLayout, paths: DataPath[]): Promise<Finding[]> {
  const t = await FixtureTree.create();
  trees.push(t);
  await materialize(t, layout);
  const { fs } = createHost({ root: t.root });
  const drafts = await judgeLayout(paths, await liveLayout(layout.lsblk, fs), fs);
  return drafts.map((d) => ({ ...d, evidence: d.evidence ?? [] }) as Finding);
}

const cases: Array<{ name: string; layout: RecordedLayout; paths: DataPath[]; expect: ExpectedFinding[] }> = [
  {
    name: 'LVM on LUKS (Debian 12): /, builds and Docker on an LV inside dm-crypt; the overlay below /var/lib/docker is not its mount',
    layout: LVM_ON_LUKS,
    paths: [ROOT, BUILDS, DOCKER],
    expect: [
      {
        status: 'pass',
        subject: '/',
        message: '/ is on /dev/mapper/runner--01--vg-root, encrypted with dm-crypt; it holds the root filesystem, builds dir of runner:shell-1 /home/gitlab-runner/builds, Docker data-root /var/lib/docker',
        evidence: [
          'mount /: /dev/mapper/runner--01--vg-root (ext4) from /proc/self/mountinfo:1',
          'device chain: nvme0n1 (disk) <- nvme0n1p3 (part) <- nvme0n1p3_crypt (crypt, CRYPT-LUKS2) <- runner--01--vg-root (lvm)',
        ],
      },
    ],
  },
  {
    name: 'LUKS2 with btrfs subvolumes (Fedora 39): anonymous 0:N device numbers resolved by the mount source',
    layout: LUKS_BTRFS,
    paths: [ROOT, BUILDS],
    expect: [
      { status: 'pass', subject: '/', evidence: ['device chain: nvme0n1 (disk) <- nvme0n1p3 (part) <- luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 (crypt, CRYPT-LUKS2)'] },
      { status: 'pass', subject: '/home', message: 'it holds builds dir of runner:shell-1 /home/gitlab-runner/builds', evidence: ['mount /home: /dev/mapper/luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 (btrfs) from /proc/self/mountinfo:8'] },
    ],
  },
  {
    name: 'plain cloud VM: root partition and a whole-disk EBS volume for Docker',
    layout: PLAIN_CLOUD,
    paths: [ROOT, BUILDS, DOCKER],
    expect: [
      {
        status: 'fail',
        subject: '/',
        message: '/ is on /dev/nvme0n1p1, which is not dm-crypt/LUKS (no dm-crypt layer above nvme0n1); it holds the root filesystem, builds dir of runner:shell-1',
        evidence: ['device chain: nvme0n1 (disk) <- nvme0n1p1 (part)'],
      },
      { status: 'fail', subject: '/var/lib/docker', message: '/var/lib/docker is on /dev/nvme1n1, which is not dm-crypt/LUKS (no dm-crypt layer above nvme1n1)', evidence: ['device chain: nvme1n1 (disk)'] },
    ],
  },
  {
    name: 'dm-verity root (lsblk TYPE crypt, dm uuid CRYPT-VERITY) is not encryption; LUKS2 /var is',
    layout: VERITY_ROOT,
    paths: [ROOT, DOCKER],
    expect: [
      {
        status: 'fail',
        subject: '/',
        message: 'not dm-crypt/LUKS (no dm-crypt layer above vda; root is CRYPT-VERITY: integrity only, not encryption)',
        evidence: ['device chain: vda (disk) <- vda2 (part) <- root (crypt, CRYPT-VERITY)', 'device chain: vda (disk) <- vda3 (part) <- root (crypt, CRYPT-VERITY)'],
      },
      { status: 'pass', subject: '/var', message: '/var is on /dev/mapper/var, encrypted with dm-crypt; it holds Docker data-root /var/lib/docker' },
    ],
  },
  {
    name: 'LV spanning a LUKS PV and a plain PV: not encrypted',
    layout: MIXED_VG,
    paths: [ROOT],
    expect: [
      {
        status: 'fail',
        subject: '/',
        message: '/ is on /dev/mapper/vg0-root, which is not dm-crypt/LUKS (no dm-crypt layer above sdb)',
        evidence: ['device chain: sda (disk) <- sda2 (part) <- sda2_crypt (crypt, CRYPT-LUKS2) <- vg0-root (lvm)', 'device chain: sdb (disk) <- vg0-root (lvm)'],
      },
    ],
  },
  {
    name: "this VM's recording: ext4 straight on virtio vda",
    layout: THIS_VM,
    paths: [ROOT],
    expect: [{ status: 'fail', subject: '/', message: '/ is on /dev/vda, which is not dm-crypt/LUKS (no dm-crypt layer above vda)', evidence: ['mount /: /dev/vda (ext4) from /proc/self/mountinfo:6'] }],
  },
];

describe('RG-DISK-001 live path on recorded layouts', () => {
  for (const c of cases) {
    it(c.name, async () => {
      assertFindings(await judgeRecorded(c.layout, c.paths), c.expect);
    });
  }

  it('without the dm sysfs entries it falls back to lsblk TYPE', async () => {
    const findings = await judgeRecorded({ ...LVM_ON_LUKS, dm: {} }, [ROOT]);
    assertFindings(findings, [{ status: 'pass', subject: '/', evidence: [/<- nvme0n1p3_crypt \(crypt\) <- runner--01--vg-root \(lvm\)$/] }]);
  });

  it('mountinfo: octal escapes decoded, a later mount on the same point hides the earlier one', () => {
    const info = parseMountinfo('27 1 254:0 / / rw - ext4 /dev/vda rw\n90 27 8:17 / /srv/ci\\040builds rw shared:3 - xfs /dev/sdb1 rw\n91 27 0:60 / /srv/ci\\040builds rw - tmpfs tmpfs rw\n');
    expect(info.map((e) => [e.mountPoint, e.fstype])).toEqual([
      ['/', 'ext4'],
      ['/srv/ci builds', 'tmpfs'],
    ]);
  });

  it('bad lsblk output and a bad mountinfo line become LayoutErrors naming the input', async () => {
    const t = await FixtureTree.create();
    trees.push(t);
    await t.file('/proc/self/mountinfo', '27 1 254:0 / / rw - ext4 /dev/vda rw\ngarbage\n');
    const { fs } = createHost({ root: t.root });
    await expect(liveLayout('lsblk: not a block device\n', fs)).rejects.toMatchObject({ subject: 'lsblk', message: /lsblk -J: output is not JSON/ });
    await expect(liveLayout(THIS_VM.lsblk, fs)).rejects.toMatchObject({ subject: '/proc/self/mountinfo', message: '/proc/self/mountinfo:2: not a mountinfo line' });
  });
});

// The real thing: lsblk, /sys and /proc/self/mountinfo of the machine running the tests.
const linuxWithLsblk = process.platform === 'linux' && existsSync('/proc/self/mountinfo') && ['/usr/bin/lsblk', '/bin/lsblk'].some(existsSync);

describe.skipIf(!linuxWithLsblk)('RG-DISK-001 on this machine', () => {
  it('judges / on the real root device: pass only when dm-crypt is below it', async () => {
    // Independent of the check: findmnt names the device, lsblk -s lists what it sits on.
    const source = execFileSync('findmnt', ['-n', '-o', 'SOURCE', '--target', '/'], { encoding: 'utf8' }).trim();
    const below = execFileSync('lsblk', ['-s', '-n', '-r', '-o', 'TYPE', source], { encoding: 'utf8' }).split('\n');
    const report = await runAudit({ host: createHost(), config: defaultConfig(), checks: [check] });
    const root = report.findings.find((f) => f.subject === '/');
    expect(root, report.findings.map((f) => `${f.status} ${f.subject}: ${f.message}`).join('\n')).toBeDefined();
    expect(root!.status).toBe(below.includes('crypt') ? 'pass' : 'fail');
    expect(root!.message).toContain(`/ is on ${source}`);
    expect(root!.evidence).toContain('holds the root filesystem /');
  });
});
