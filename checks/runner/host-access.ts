import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { cisDocker, REF } from '../references.js';
import { tableOf } from './capabilities.js';
import { configEvidence } from './config-evidence.js';
import { noContainersReason } from './executors.js';
import { forEachRunner, str, strList } from './runners.js';

/** Host devices that are the host's memory, disks or kernel log: raw access to all of it. */
const RAW = /^\/dev\/(mem|kmem|port|kmsg|sd[a-z]|nvme\d|vd[a-z]|xvd[a-z]|hd[a-z]|dm-\d|mapper\/|loop|md\d|disk\/|mmcblk)/;
/** Groups that open the Docker socket, raw disks or host secrets to their members. */
const HOST_GROUPS = new Set(['0', 'root', 'docker', 'disk', 'shadow', 'sudo', 'wheel', 'adm', 'kmem']);
/** Runtimes that put a kernel of their own (gVisor) or a VM (Kata) between a job and the host. */
export const SANDBOX = /^(runsc|kata|kata-runtime|kata-qemu|kata-fc|kata-clh|io\.containerd\.(runsc|kata)[\w.-]*|sysbox-runc)$/i;

const deviceHost = (spec: string) => spec.trim().split(':')[0]!;

export default defineCheck({
  meta: {
    id: 'RG-RUN-018',
    title: 'Job containers get no host devices, host groups or other containers\' volumes',
    severity: 'high',
    area: 'runner',
    rationale:
      "A host disk, /dev/mem or /dev/kmsg in a job container is the host's data and memory; a device cgroup rule for all block devices or a group such as docker or disk opens the same doors; volumes_from hands a job another container's volumes. A sandbox runtime (gVisor runsc, Kata) puts a kernel or a VM of its own between the job and the host.",
    references: [
      'https://docs.gitlab.com/runner/executors/docker/#using-host-devices',
      REF.glDockerConfig,
      REF.guideDockerExecutor,
      cisDocker('5.17', 'Ensure that host devices are not directly exposed to containers'),
    ],
    reads: ['runner config.toml: executor; [runners.docker] devices, services_devices, device_cgroup_rules, group_add, volumes_from, sysctls, runtime'],
    remediation: {
      summary:
        'Remove host disks, /dev/mem, /dev/kmsg and broad device_cgroup_rules ("a *:* rwm", block devices) from devices/services_devices; drop group_add entries such as docker, disk or 0; replace volumes_from with volumes jobs own; where jobs need devices, give them a dedicated runner, ideally with runtime = "runsc" or a Kata runtime.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachRunner(ctx, (r) => {
      if (!r.executor.startsWith('docker')) return verdict.skip(r.subject, `${r.executor === 'kubernetes' ? 'the kubernetes executor: pod settings are RG-RUN-019\'s' : noContainersReason(r)}: no docker devices or groups to judge`);
      if (r.executor === 'docker-windows') return verdict.skip(r.subject, 'Windows containers have no Linux devices or groups');
      const d = r.docker;
      const severe: string[] = [];
      const notes: string[] = [];
      const evidence: string[] = [];
      const devices = strList(d.devices).map(deviceHost);
      const svc = tableOf(d.services_devices);
      const svcDevices = Object.values(svc).flatMap((v) => strList(v)).map(deviceHost);
      for (const [list, whose, key] of [[devices, 'job', 'devices'], [svcDevices, 'service', 'services_devices']] as const) {
        if (list.length === 0) continue;
        evidence.push(ev.runner(r, 'docker', key));
        const raw = list.filter((p) => RAW.test(p));
        if (raw.length) severe.push(`${whose} containers get raw host devices: ${raw.join(', ')}`);
        const other = list.filter((p) => !RAW.test(p));
        if (other.length) notes.push(`${whose} containers get host devices ${other.join(', ')}`);
      }
      const rules = strList(d.device_cgroup_rules);
      if (rules.length) {
        evidence.push(ev.runner(r, 'docker', 'device_cgroup_rules'));
        const broad = rules.filter((x) => /^\s*(a|b)\s/.test(x));
        if (broad.length) severe.push(`device_cgroup_rules let jobs open ${broad.some((x) => /^\s*a/.test(x)) ? 'every device' : 'block devices'} they can create: ${broad.join(', ')}`);
        else notes.push(`device_cgroup_rules allow ${rules.join(', ')}`);
      }
      const groups = strList(d.group_add);
      if (groups.length) {
        evidence.push(ev.runner(r, 'docker', 'group_add'));
        const bad = groups.filter((g) => HOST_GROUPS.has(g.trim().toLowerCase()));
        if (bad.length) severe.push(`group_add puts job processes in ${bad.join(', ')}`);
        else notes.push(`group_add adds groups ${groups.join(', ')}`);
      }
      if (strList(d.volumes_from).length) {
        evidence.push(ev.runner(r, 'docker', 'volumes_from'));
        notes.push(`volumes_from mounts every volume of ${strList(d.volumes_from).join(', ')} into jobs`);
      }
      const sysctls = Object.keys(tableOf(d.sysctls));
      if (sysctls.length) {
        evidence.push(ev.runner(r, 'docker', 'sysctls'));
        notes.push(`sysctls change ${sysctls.join(', ')} in job containers`);
      }
      const runtime = str(d.runtime)?.trim() ?? '';
      const sandbox = SANDBOX.test(runtime);
      evidence.push(ev.runner(r, 'docker', 'runtime'));
      const within = sandbox ? ` (runtime ${runtime} keeps a kernel or VM of its own between jobs and the host)` : '';
      if (severe.length && !sandbox) return verdict.fail(r.subject, [...severe, ...notes].join('; '), evidence);
      if (severe.length || notes.length) return verdict.warn(r.subject, `${[...severe, ...notes].join('; ')}${within}: acceptable only where jobs need them`, evidence);
      return verdict.pass(r.subject, `no host devices, host groups, kernel settings or other containers' volumes${sandbox ? `; jobs run under the ${runtime} sandbox runtime` : ''}`, evidence);
    });
  },
});
