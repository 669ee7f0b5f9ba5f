import check from '../../../checks/disk/encrypted-disks.js';
import { defineCases } from '../../helpers/check-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';
import { dockerHost } from '../docker/fixture.js';
import { runner, runnerHost } from '../runner/fixture.js';
import { DEBIAN_CRYPTTAB, ROOT_CHAIN, debianFstab, encryptedLvmHost, lvmBackup } from './fixture.js';

const BUILDS = '/home/gitlab-runner/builds';
const CACHE = '/home/gitlab-runner/cache';

/** A shell runner using the default builds/cache dirs under ~gitlab-runner, plus Docker. */
async function shellRunnerAndDocker(t: FixtureTree, top = '', daemonJson?: string): Promise<void> {
  await runnerHost(t, runner('shell-1', 'shell', '', top));
  await dockerHost(t, daemonJson);
}

export default defineCases({
  check,
  passing: [
    {
      name: 'Debian encrypted LVM: / on an LV whose only PV is a crypttab target; builds, cache and Docker on /',
      build: async (t) => {
        await encryptedLvmHost(t);
        await shellRunnerAndDocker(t);
      },
      expect: [
        {
          status: 'pass',
          subject: '/',
          message: '/ is on /dev/mapper/runner--01--vg-root, encrypted with dm-crypt; it holds the root filesystem, builds dir of runner:shell-1',
          evidence: [
            'mount /: /dev/mapper/runner--01--vg-root (ext4) from /etc/fstab:11',
            `device chain: ${ROOT_CHAIN}`,
            `holds builds dir of runner:shell-1 ${BUILDS}`,
            `holds cache dir of runner:shell-1 ${CACHE}`,
            'holds Docker data-root /var/lib/docker',
          ],
        },
      ],
    },
    {
      name: 'LUKS data disk for builds and data-root, tmpfs cache, root as /dev/<vg>/<lv>',
      build: async (t) => {
        await t.file(
          '/etc/fstab',
          debianFstab(
            '/dev/mapper/data_crypt\t/srv\text4\tdefaults,nofail,x-systemd.device-timeout=30s\t0\t2\ntmpfs /srv/gitlab-runner/cache tmpfs size=4g,mode=0700,uid=998 0 0\n',
            '/dev/runner-01-vg/root',
          ),
        );
        await t.file('/etc/crypttab', `# <target name>\t<source device>\t<key file>\t<options>\n${DEBIAN_CRYPTTAB}data_crypt\t/dev/disk/by-id/nvme-Samsung_SSD_980_PRO_2TB_S6B0NL0W123456\t/etc/luks/data.key\tluks,discard\n`);
        await t.file('/etc/lvm/backup/runner-01-vg', lvmBackup('runner-01-vg', ['/dev/mapper/nvme0n1p3_crypt']), { mode: 0o600 });
        await shellRunnerAndDocker(t, '\tbuilds_dir = "/srv/gitlab-runner/builds"\n\tcache_dir = "/srv/gitlab-runner/cache"\n', '{\n  "data-root": "/srv/docker",\n  "log-driver": "journald"\n}\n');
      },
      expect: [
        { status: 'pass', subject: '/', evidence: ['holds the root filesystem /', /^device chain: .*nvme0n1p3_crypt \(crypt.* <- runner-01-vg\/root \(lvm/] },
        {
          status: 'pass',
          subject: '/srv',
          message: '/srv is on /dev/mapper/data_crypt, encrypted with dm-crypt; it holds builds dir of runner:shell-1 /srv/gitlab-runner/builds, Docker data-root /srv/docker',
          evidence: ['device chain: /dev/disk/by-id/nvme-Samsung_SSD_980_PRO_2TB_S6B0NL0W123456 <- data_crypt (crypt, /etc/crypttab:3)'],
        },
        { status: 'pass', subject: '/srv/gitlab-runner/cache', message: 'is tmpfs, memory-backed: cache dir of runner:shell-1 /srv/gitlab-runner/cache reach a disk only through swap' },
      ],
    },
  ],
  failing: [
    {
      name: 'Ubuntu cloud image: LABEL= root and a raw NVMe volume for Docker, no crypttab',
      build: async (t) => {
        await t.file(
          '/etc/fstab',
          'LABEL=cloudimg-rootfs\t/\t ext4\tdiscard,errors=remount-ro\t0 1\nLABEL=UEFI\t/boot/efi\tvfat\tumask=0077\t0 1\n/dev/nvme1n1 /var/lib/docker xfs defaults,nofail 0 2\n',
        );
        await shellRunnerAndDocker(t);
      },
      expect: [
        {
          status: 'fail',
          subject: '/',
          message: '/ is on LABEL=cloudimg-rootfs, which is not dm-crypt/LUKS (no /etc/crypttab entries, so nothing is unlocked at boot); it holds the root filesystem, builds dir of runner:shell-1 /home/gitlab-runner/builds, cache dir',
        },
        { status: 'fail', subject: '/var/lib/docker', message: '/var/lib/docker is on /dev/nvme1n1, which is not dm-crypt/LUKS', evidence: ['holds Docker data-root /var/lib/docker', 'mount /var/lib/docker: /dev/nvme1n1 (xfs) from /etc/fstab:3'] },
      ],
    },
    {
      name: 'Ubuntu with only an encrypted swap in crypttab (random key): the UUID= root is plain',
      build: async (t) => {
        await t.file('/etc/fstab', '# / was on /dev/sda2 during installation\nUUID=a3e1c9d2-6f4b-4e7a-9c1d-2b5f8e0a7c43 /               ext4    errors=remount-ro 0       1\n/dev/mapper/cryptswap1 none swap sw 0 0\n');
        await t.file('/etc/crypttab', 'cryptswap1 UUID=c0ffee00-1111-4222-8333-444455556666 /dev/urandom swap,offset=1024,cipher=aes-xts-plain64\n');
        await runnerHost(t, runner('shell-1', 'shell'));
      },
      expect: [
        {
          status: 'fail',
          subject: '/',
          message: '/ is on UUID=a3e1c9d2-6f4b-4e7a-9c1d-2b5f8e0a7c43, which is not dm-crypt/LUKS (/etc/crypttab only opens randomly keyed swap/tmp devices (cryptswap1))',
        },
      ],
    },
    {
      name: 'encrypted root, builds bind-mounted from a plain PARTUUID= scratch partition',
      build: async (t) => {
        await encryptedLvmHost(t, 'PARTUUID=6f3a9c2e-01\t/srv/scratch\text4\tdefaults,noatime\t0\t2\n/srv/scratch/builds  /home/gitlab-runner/builds  none  bind,x-systemd.requires-mounts-for=/srv/scratch  0 0\n');
        await runnerHost(t, runner('shell-1', 'shell'));
      },
      expect: [
        { status: 'pass', subject: '/', evidence: [`holds cache dir of runner:shell-1 ${CACHE}`] },
        {
          status: 'fail',
          subject: BUILDS,
          message: `${BUILDS} is on PARTUUID=6f3a9c2e-01, which is not dm-crypt/LUKS (a partition: dm-crypt would be a /dev/mapper device); it holds builds dir of runner:shell-1`,
          evidence: ['device chain: PARTUUID=6f3a9c2e-01 <- bind of /srv/scratch/builds (/srv/scratch)'],
        },
      ],
    },
    {
      name: 'VG extended with a plain disk: one PV outside dm-crypt',
      build: async (t) => {
        await encryptedLvmHost(t, '', ['/dev/mapper/nvme0n1p3_crypt', '/dev/sdb']);
        await runnerHost(t, runner('shell-1', 'shell'));
      },
      expect: [
        {
          status: 'fail',
          subject: '/',
          message: 'which is not dm-crypt/LUKS (VG runner-01-vg has PV /dev/sdb outside dm-crypt)',
          evidence: [`device chain: ${ROOT_CHAIN}`, 'device chain: /dev/sdb <- runner--01--vg-root (lvm, /etc/lvm/backup/runner-01-vg)'],
        },
      ],
    },
    {
      name: '/var/lib/docker is a symlink onto a plain /data disk',
      build: async (t) => {
        await encryptedLvmHost(t, '/dev/sdb1 /data xfs defaults 0 2\n');
        await shellRunnerAndDocker(t);
        await t.dir('/data/docker', { mode: 0o710 });
        await t.symlink('/var/lib/docker', '/data/docker');
      },
      expect: [
        { status: 'pass', subject: '/', message: 'it holds the root filesystem, builds dir of runner:shell-1' },
        { status: 'fail', subject: '/data', message: 'a raw disk, partition or md array', evidence: ['holds Docker data-root /var/lib/docker (-> /data/docker)'] },
      ],
    },
  ],
  notApplicable: [
    {
      name: 'no /etc/fstab (a container image root)',
      build: async () => {},
      expect: [{ status: 'skip', subject: '/etc/fstab', message: 'a container image?' }],
    },
    {
      name: "Debian's container fstab: only \"# UNCONFIGURED FSTAB FOR BASE SYSTEM\"",
      build: async (t) => {
        await t.file('/etc/fstab', '# UNCONFIGURED FSTAB FOR BASE SYSTEM\n');
      },
      expect: [{ status: 'skip', subject: '/etc/fstab' }],
    },
  ],
  errors: [
    {
      name: 'Fedora btrfs on LUKS: root by filesystem UUID, which the files cannot tie to the crypttab device',
      build: async (t) => {
        await t.file(
          '/etc/fstab',
          '\n#\n# /etc/fstab\n# Created by anaconda on Tue Mar  5 09:12:44 2024\n#\nUUID=b7a2f0c4-5d1e-4c1b-9f0e-2a6d8c3e1f57 /                       btrfs   subvol=root,compress=zstd:1,x-systemd.device-timeout=0 0 0\nUUID=5c0d9e1a-7b2f-4e3c-8d6a-1f4b9c2e7a30 /boot                   ext4    defaults        1 2\n',
        );
        await t.file('/etc/crypttab', 'luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 UUID=3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 none discard\n');
      },
      expect: [
        {
          status: 'error',
          subject: '/',
          message: 'cannot tell whether / (holding the root filesystem) is encrypted: UUID=b7a2f0c4-5d1e-4c1b-9f0e-2a6d8c3e1f57 names a filesystem, and the files do not say which device carries it while /etc/crypttab opens luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68',
        },
      ],
    },
    {
      name: 'malformed fstab line: error naming file:line, the rest still judged',
      build: async (t) => {
        await encryptedLvmHost(t, '/dev/sdc1\n');
      },
      expect: [
        { status: 'error', subject: '/etc/fstab', message: '/etc/fstab:17: malformed line' },
        { status: 'pass', subject: '/' },
      ],
    },
    {
      name: 'binary garbage in /etc/crypttab',
      build: async (t) => {
        await t.file('/etc/fstab', debianFstab());
        await t.file('/etc/crypttab', Buffer.from([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 1, 0, 0, 0xff]));
      },
      expect: [{ status: 'error', subject: '/etc/crypttab', message: '/etc/crypttab: binary data' }],
    },
    {
      name: 'builds dir on NFS',
      build: async (t) => {
        await encryptedLvmHost(t, 'nas.example.com:/export/ci  /srv/builds  nfs4  rw,hard,noatime,_netdev  0 0\n');
        await runnerHost(t, runner('shell-1', 'shell', '', '\tbuilds_dir = "/srv/builds"\n'));
      },
      expect: [
        { status: 'pass', subject: '/' },
        { status: 'error', subject: '/srv/builds', message: 'nfs4 filesystem from nas.example.com:/export/ci is not on a local block device' },
      ],
    },
    {
      name: 'LVM root without /etc/lvm/backup',
      build: async (t) => {
        await t.file('/etc/fstab', debianFstab());
        await t.file('/etc/crypttab', DEBIAN_CRYPTTAB);
      },
      expect: [{ status: 'error', subject: '/', message: 'is LVM volume root of VG runner-01-vg, and /etc/lvm/backup/runner-01-vg (which lists its PVs) does not exist' }],
    },
    {
      name: 'a directory where /etc/fstab should be',
      build: async (t) => {
        await t.dir('/etc/fstab');
      },
      expect: [{ status: 'error', subject: '/etc/fstab', message: '/etc/fstab: is a directory' }],
    },
  ],
});
