import type { FixtureTree } from '../../helpers/fixture-tree.js';

/**
 * Inputs of RG-DISK-001's live path as real hosts produce them:
 * `lsblk -J -o NAME,KNAME,PATH,MAJ:MIN,TYPE,FSTYPE,MOUNTPOINTS,UUID,PKNAME`
 * (util-linux 2.38 output shape), /proc/self/mountinfo, and the sysfs
 * entries of the device-mapper nodes (/sys/block/dm-N -> ../devices/virtual/block/dm-N).
 */
export interface RecordedLayout {
  lsblk: string;
  mountinfo: string;
  /** kname -> dm name and dm uuid, as in /sys/block/<kname>/dm/. */
  dm: Record<string, { name: string; uuid: string }>;
}

/** Writes the recorded sysfs and procfs files into a fixture root. */
export async function materialize(t: FixtureTree, l: RecordedLayout): Promise<void> {
  await t.file('/proc/self/mountinfo', l.mountinfo, { mode: 0o444 });
  for (const [kname, dm] of Object.entries(l.dm)) {
    const dev = `/sys/devices/virtual/block/${kname}`;
    await t.file(`${dev}/dm/name`, `${dm.name}\n`, { mode: 0o444 });
    await t.file(`${dev}/dm/uuid`, `${dm.uuid}\n`, { mode: 0o444 });
    await t.file(`${dev}/dm/suspended`, '0\n', { mode: 0o444 });
    await t.dir(`${dev}/slaves`);
    await t.symlink(`/sys/block/${kname}`, `../devices/virtual/block/${kname}`);
  }
}

/** Debian 12, installer's "encrypted LVM" on NVMe, Docker running (an overlay mount below /var/lib/docker). */
export const LVM_ON_LUKS: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "nvme0n1",
         "kname": "nvme0n1",
         "path": "/dev/nvme0n1",
         "maj:min": "259:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null,
         "children": [
            {
               "name": "nvme0n1p1",
               "kname": "nvme0n1p1",
               "path": "/dev/nvme0n1p1",
               "maj:min": "259:1",
               "type": "part",
               "fstype": "vfat",
               "mountpoints": [
                   "/boot/efi"
               ],
               "uuid": "5A1C-2B3D",
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p2",
               "kname": "nvme0n1p2",
               "path": "/dev/nvme0n1p2",
               "maj:min": "259:2",
               "type": "part",
               "fstype": "ext4",
               "mountpoints": [
                   "/boot"
               ],
               "uuid": "0d1c6b6e-3c3a-4a3e-9a0a-6f1c2f6e8d41",
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p3",
               "kname": "nvme0n1p3",
               "path": "/dev/nvme0n1p3",
               "maj:min": "259:3",
               "type": "part",
               "fstype": "crypto_LUKS",
               "mountpoints": [
                   null
               ],
               "uuid": "8f6d1c1e-0c7b-4b8e-a0a5-2d9b7e3c4f10",
               "pkname": "nvme0n1",
               "children": [
                  {
                     "name": "nvme0n1p3_crypt",
                     "kname": "dm-0",
                     "path": "/dev/mapper/nvme0n1p3_crypt",
                     "maj:min": "254:0",
                     "type": "crypt",
                     "fstype": "LVM2_member",
                     "mountpoints": [
                         null
                     ],
                     "uuid": "JfQ2wE-0cSX-7Yt1-3kQm-bA9r-Hn2L-pX6dZe",
                     "pkname": "nvme0n1p3",
                     "children": [
                        {
                           "name": "runner--01--vg-root",
                           "kname": "dm-1",
                           "path": "/dev/mapper/runner--01--vg-root",
                           "maj:min": "254:1",
                           "type": "lvm",
                           "fstype": "ext4",
                           "mountpoints": [
                               "/"
                           ],
                           "uuid": "6b0e3f52-91c4-4a7d-8e26-d3f1a4c9b870",
                           "pkname": "dm-0"
                        },{
                           "name": "runner--01--vg-swap_1",
                           "kname": "dm-2",
                           "path": "/dev/mapper/runner--01--vg-swap_1",
                           "maj:min": "254:2",
                           "type": "lvm",
                           "fstype": "swap",
                           "mountpoints": [
                               "[SWAP]"
                           ],
                           "uuid": "f2c9d7a1-4e83-4b6f-a0d5-7c1e9b3f2a64",
                           "pkname": "dm-0"
                        }
                     ]
                  }
               ]
            }
         ]
      }
   ]
}
`,
  mountinfo: `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/runner--01--vg-root rw,errors=remount-ro
23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
25 22 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=16327164k,nr_inodes=4081791,mode=755,inode64
26 25 0:23 / /dev/pts rw,nosuid,noexec,relatime shared:3 - devpts devpts rw,gid=5,mode=620,ptmxmode=000
27 22 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=3270956k,mode=755,inode64
28 23 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw
29 25 0:25 / /dev/shm rw,nosuid,nodev shared:4 - tmpfs tmpfs rw,inode64
31 23 0:27 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
45 22 259:2 / /boot rw,relatime shared:29 - ext4 /dev/nvme0n1p2 rw
47 45 259:1 / /boot/efi rw,relatime shared:31 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro
98 27 0:48 / /run/user/1000 rw,nosuid,nodev,relatime shared:418 - tmpfs tmpfs rw,size=3270952k,nr_inodes=817738,mode=700,uid=1000,gid=1000,inode64
612 22 0:56 / /var/lib/docker/overlay2/3f1a9c0d7e5b24d86c1f0a9e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c/merged rw,relatime shared:301 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/QW4K2MZ7X3B5:/var/lib/docker/overlay2/l/7HNDJ2R6Y4TQ,upperdir=/var/lib/docker/overlay2/3f1a9c0d7e5b24d86c1f0a9e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c/diff,workdir=/var/lib/docker/overlay2/3f1a9c0d7e5b24d86c1f0a9e8b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c/work,nouserxattr
`,
  dm: {
    'dm-0': { name: 'nvme0n1p3_crypt', uuid: 'CRYPT-LUKS2-8f6d1c1e0c7b4b8ea0a52d9b7e3c4f10-nvme0n1p3_crypt' },
    'dm-1': { name: 'runner--01--vg-root', uuid: 'LVM-Xq3Gfx2b1Tkq9WLm0P7y2EcV1z9RtPqAa1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6' },
    'dm-2': { name: 'runner--01--vg-swap_1', uuid: 'LVM-Xq3Gfx2b1Tkq9WLm0P7y2EcV1z9RtPqAq7W3e9R1t5Y8u2I4o6P0a3S5d7F9g1H2' },
  },
};

/** Fedora 39: btrfs subvolumes / and /home on LUKS2 (mountinfo shows the anonymous 0:N of btrfs), swap on zram. */
export const LUKS_BTRFS: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "zram0",
         "kname": "zram0",
         "path": "/dev/zram0",
         "maj:min": "252:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             "[SWAP]"
         ],
         "uuid": null,
         "pkname": null
      },{
         "name": "nvme0n1",
         "kname": "nvme0n1",
         "path": "/dev/nvme0n1",
         "maj:min": "259:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null,
         "children": [
            {
               "name": "nvme0n1p1",
               "kname": "nvme0n1p1",
               "path": "/dev/nvme0n1p1",
               "maj:min": "259:1",
               "type": "part",
               "fstype": "vfat",
               "mountpoints": [
                   "/boot/efi"
               ],
               "uuid": "8E21-3F0A",
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p2",
               "kname": "nvme0n1p2",
               "path": "/dev/nvme0n1p2",
               "maj:min": "259:2",
               "type": "part",
               "fstype": "ext4",
               "mountpoints": [
                   "/boot"
               ],
               "uuid": "5c0d9e1a-7b2f-4e3c-8d6a-1f4b9c2e7a30",
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p3",
               "kname": "nvme0n1p3",
               "path": "/dev/nvme0n1p3",
               "maj:min": "259:3",
               "type": "part",
               "fstype": "crypto_LUKS",
               "mountpoints": [
                   null
               ],
               "uuid": "3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68",
               "pkname": "nvme0n1",
               "children": [
                  {
                     "name": "luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68",
                     "kname": "dm-0",
                     "path": "/dev/mapper/luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68",
                     "maj:min": "253:0",
                     "type": "crypt",
                     "fstype": "btrfs",
                     "mountpoints": [
                         "/home", "/"
                     ],
                     "uuid": "b7a2f0c4-5d1e-4c1b-9f0e-2a6d8c3e1f57",
                     "pkname": "nvme0n1p3"
                  }
               ]
            }
         ]
      }
   ]
}
`,
  mountinfo: `60 1 0:30 /root / rw,relatime shared:1 - btrfs /dev/mapper/luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 rw,seclabel,compress=zstd:1,ssd,discard=async,space_cache=v2,subvolid=257,subvol=/root
61 60 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,seclabel,size=4096k,nr_inodes=4071552,mode=755,inode64
65 60 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw
66 60 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw,seclabel
67 60 0:25 / /run rw,nosuid,nodev shared:14 - tmpfs tmpfs rw,seclabel,size=6524412k,nr_inodes=819200,mode=755,inode64
88 60 0:34 / /tmp rw,nosuid,nodev shared:45 - tmpfs tmpfs rw,seclabel,size=16311032k,nr_inodes=1048576,inode64
92 60 259:2 / /boot rw,relatime shared:47 - ext4 /dev/nvme0n1p2 rw,seclabel
95 60 0:30 /home /home rw,relatime shared:49 - btrfs /dev/mapper/luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68 rw,seclabel,compress=zstd:1,ssd,discard=async,space_cache=v2,subvolid=256,subvol=/home
98 92 259:1 / /boot/efi rw,relatime shared:51 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=winnt,errors=remount-ro
`,
  dm: {
    'dm-0': { name: 'luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68', uuid: 'CRYPT-LUKS2-3f6c0c9e8d2b4a71b5e40c9a1d7e2f68-luks-3f6c0c9e-8d2b-4a71-b5e4-0c9a1d7e2f68' },
  },
};

/** Debian 12 AWS AMI (Nitro): ext4 root on nvme0n1p1, an EBS volume with xfs for Docker; no dm at all. */
export const PLAIN_CLOUD: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "nvme0n1",
         "kname": "nvme0n1",
         "path": "/dev/nvme0n1",
         "maj:min": "259:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null,
         "children": [
            {
               "name": "nvme0n1p1",
               "kname": "nvme0n1p1",
               "path": "/dev/nvme0n1p1",
               "maj:min": "259:1",
               "type": "part",
               "fstype": "ext4",
               "mountpoints": [
                   "/"
               ],
               "uuid": "2c4f8a1e-6b3d-4e9f-a7c2-5d0b8e1f3a96",
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p14",
               "kname": "nvme0n1p14",
               "path": "/dev/nvme0n1p14",
               "maj:min": "259:2",
               "type": "part",
               "fstype": null,
               "mountpoints": [
                   null
               ],
               "uuid": null,
               "pkname": "nvme0n1"
            },{
               "name": "nvme0n1p15",
               "kname": "nvme0n1p15",
               "path": "/dev/nvme0n1p15",
               "maj:min": "259:3",
               "type": "part",
               "fstype": "vfat",
               "mountpoints": [
                   "/boot/efi"
               ],
               "uuid": "7D2A-91C4",
               "pkname": "nvme0n1"
            }
         ]
      },{
         "name": "nvme1n1",
         "kname": "nvme1n1",
         "path": "/dev/nvme1n1",
         "maj:min": "259:4",
         "type": "disk",
         "fstype": "xfs",
         "mountpoints": [
             "/var/lib/docker"
         ],
         "uuid": "e91b0d3c-2f7a-4c58-b6e1-0a9d4f2c7b35",
         "pkname": null
      }
   ]
}
`,
  mountinfo: `25 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw,discard,errors=remount-ro
26 25 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=1985232k,nr_inodes=496308,mode=755,inode64
30 25 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=400580k,mode=755,inode64
51 25 259:3 / /boot/efi rw,relatime shared:30 - vfat /dev/nvme0n1p15 rw,fmask=0022,dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,utf8,errors=remount-ro
77 25 259:4 / /var/lib/docker rw,relatime shared:38 - xfs /dev/nvme1n1 rw,attr2,inode64,logbufs=8,logbsize=32k,noquota
`,
  dm: {},
};

/**
 * An image-based host (systemd-repart/mkosi): / is dm-verity over a data and
 * a hash partition (lsblk lists "root" under both, TYPE crypt), /var is LUKS2.
 */
export const VERITY_ROOT: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "vda",
         "kname": "vda",
         "path": "/dev/vda",
         "maj:min": "254:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null,
         "children": [
            {
               "name": "vda1",
               "kname": "vda1",
               "path": "/dev/vda1",
               "maj:min": "254:1",
               "type": "part",
               "fstype": "vfat",
               "mountpoints": [
                   "/efi"
               ],
               "uuid": "1B2C-3D4E",
               "pkname": "vda"
            },{
               "name": "vda2",
               "kname": "vda2",
               "path": "/dev/vda2",
               "maj:min": "254:2",
               "type": "part",
               "fstype": "erofs",
               "mountpoints": [
                   null
               ],
               "uuid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
               "pkname": "vda",
               "children": [
                  {
                     "name": "root",
                     "kname": "dm-0",
                     "path": "/dev/mapper/root",
                     "maj:min": "252:0",
                     "type": "crypt",
                     "fstype": "erofs",
                     "mountpoints": [
                         "/"
                     ],
                     "uuid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                     "pkname": "vda2"
                  }
               ]
            },{
               "name": "vda3",
               "kname": "vda3",
               "path": "/dev/vda3",
               "maj:min": "254:3",
               "type": "part",
               "fstype": "DM_verity_hash",
               "mountpoints": [
                   null
               ],
               "uuid": "a5b4c3d2-e1f0-0f1e-2d3c-4b5a69788796",
               "pkname": "vda",
               "children": [
                  {
                     "name": "root",
                     "kname": "dm-0",
                     "path": "/dev/mapper/root",
                     "maj:min": "252:0",
                     "type": "crypt",
                     "fstype": "erofs",
                     "mountpoints": [
                         "/"
                     ],
                     "uuid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                     "pkname": "vda3"
                  }
               ]
            },{
               "name": "vda4",
               "kname": "vda4",
               "path": "/dev/vda4",
               "maj:min": "254:4",
               "type": "part",
               "fstype": "crypto_LUKS",
               "mountpoints": [
                   null
               ],
               "uuid": "c3d2e1f0-a5b4-4b5a-8796-0f1e2d3c6978",
               "pkname": "vda",
               "children": [
                  {
                     "name": "var",
                     "kname": "dm-1",
                     "path": "/dev/mapper/var",
                     "maj:min": "252:1",
                     "type": "crypt",
                     "fstype": "ext4",
                     "mountpoints": [
                         "/var"
                     ],
                     "uuid": "d2e1f0a5-b4c3-4d3c-9f1e-6978a5b48796",
                     "pkname": "vda4"
                  }
               ]
            }
         ]
      }
   ]
}
`,
  mountinfo: `21 1 252:0 / / ro,relatime shared:1 - erofs /dev/mapper/root ro,user_xattr,acl,cache_strategy=readaround
22 21 0:5 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size=4096k,nr_inodes=1017882,mode=755
31 21 0:26 / /run rw,nosuid,nodev shared:12 - tmpfs tmpfs rw,size=1631980k,nr_inodes=819200,mode=755
40 21 254:1 / /efi rw,nosuid,nodev,noexec,relatime shared:21 - vfat /dev/vda1 rw,fmask=0077,dmask=0077,codepage=437,iocharset=ascii,shortname=mixed,errors=remount-ro
41 21 252:1 / /var rw,nosuid,nodev,relatime shared:22 - ext4 /dev/mapper/var rw
`,
  dm: {
    'dm-0': { name: 'root', uuid: 'CRYPT-VERITY-0f1e2d3c4b5a69788796a5b4c3d2e1f0-root' },
    'dm-1': { name: 'var', uuid: 'CRYPT-LUKS2-c3d2e1f0a5b44b5a87960f1e2d3c6978-var' },
  },
};

/** An encrypted VG later extended with a plain disk (vgextend vg0 /dev/sdb): the root LV sits on both. */
export const MIXED_VG: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "sda",
         "kname": "sda",
         "path": "/dev/sda",
         "maj:min": "8:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null,
         "children": [
            {
               "name": "sda1",
               "kname": "sda1",
               "path": "/dev/sda1",
               "maj:min": "8:1",
               "type": "part",
               "fstype": "ext4",
               "mountpoints": [
                   "/boot"
               ],
               "uuid": "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8",
               "pkname": "sda"
            },{
               "name": "sda2",
               "kname": "sda2",
               "path": "/dev/sda2",
               "maj:min": "8:2",
               "type": "part",
               "fstype": "crypto_LUKS",
               "mountpoints": [
                   null
               ],
               "uuid": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
               "pkname": "sda",
               "children": [
                  {
                     "name": "sda2_crypt",
                     "kname": "dm-0",
                     "path": "/dev/mapper/sda2_crypt",
                     "maj:min": "254:0",
                     "type": "crypt",
                     "fstype": "LVM2_member",
                     "mountpoints": [
                         null
                     ],
                     "uuid": "Hc3mWp-Y9aZ-2LkD-q8Rt-Vn4E-j7Sx-0FbG1u",
                     "pkname": "sda2",
                     "children": [
                        {
                           "name": "vg0-root",
                           "kname": "dm-1",
                           "path": "/dev/mapper/vg0-root",
                           "maj:min": "254:1",
                           "type": "lvm",
                           "fstype": "ext4",
                           "mountpoints": [
                               "/"
                           ],
                           "uuid": "71c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
                           "pkname": "dm-0"
                        }
                     ]
                  }
               ]
            }
         ]
      },{
         "name": "sdb",
         "kname": "sdb",
         "path": "/dev/sdb",
         "maj:min": "8:16",
         "type": "disk",
         "fstype": "LVM2_member",
         "mountpoints": [
             null
         ],
         "uuid": "tQ7rLm-3XcV-8bNz-K2pA-w5Ej-9yHd-4GsU6o",
         "pkname": null,
         "children": [
            {
               "name": "vg0-root",
               "kname": "dm-1",
               "path": "/dev/mapper/vg0-root",
               "maj:min": "254:1",
               "type": "lvm",
               "fstype": "ext4",
               "mountpoints": [
                   "/"
               ],
               "uuid": "71c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
               "pkname": "sdb"
            }
         ]
      }
   ]
}
`,
  mountinfo: `24 1 254:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw,errors=remount-ro
40 24 8:1 / /boot rw,relatime shared:29 - ext4 /dev/sda1 rw
`,
  dm: {
    'dm-0': { name: 'sda2_crypt', uuid: 'CRYPT-LUKS2-9a8b7c6d5e4f4a3b9c2d1e0f9a8b7c6d-sda2_crypt' },
    'dm-1': { name: 'vg0-root', uuid: 'LVM-Qm8ZrT2kW5xN7bC1vF4hJ6lP9sD3gA0eYq1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H' },
  },
};

/** Recorded on the development VM (Firecracker, util-linux 2.38.1, no device-mapper): ext4 directly on virtio vda. */
export const THIS_VM: RecordedLayout = {
  lsblk: `{
   "blockdevices": [
      {
         "name": "zram0",
         "kname": "zram0",
         "path": "/dev/zram0",
         "maj:min": "253:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             null
         ],
         "uuid": null,
         "pkname": null
      },{
         "name": "vda",
         "kname": "vda",
         "path": "/dev/vda",
         "maj:min": "254:0",
         "type": "disk",
         "fstype": null,
         "mountpoints": [
             "/"
         ],
         "uuid": null,
         "pkname": null
      }
   ]
}
`,
  mountinfo: `22 27 0:21 / /proc rw,relatime - proc proc rw
23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,nr_inodes=3083615,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684084k
26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`,
  dm: {},
};
