import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { RunnerEntry } from '../../agent/facts/gitlab.js';
import { REF } from '../references.js';
import type { SettingEvidence } from './config-evidence.js';
import { configEvidence } from './config-evidence.js';
import { forEachContainerRunner, str, strList } from './runners.js';

/** A name no admin would list: a pattern that matches it lets a job name anything. */
const PROBE = 'rg-probe-any-name';

/** [runners.kubernetes] *_overwrite_allowed knobs: what a job may then choose, and whether any choice is a takeover. */
const OVERWRITES: Array<[key: string, what: string, takeover: boolean]> = [
  ['namespace_overwrite_allowed', 'the namespace its pod runs in (another team\'s, or kube-system)', true],
  ['service_account_overwrite_allowed', 'the service account its pod runs as, with that account\'s cluster rights', true],
  ['node_tolerations_overwrite_allowed', 'tolerations that put its pod on tainted nodes (control plane, other tenants\')', false],
  ['node_selector_overwrite_allowed', 'the nodes its pod lands on', false],
  ['pod_annotations_overwrite_allowed', 'pod annotations (some admission controllers and meshes act on them)', false],
  ['pod_labels_overwrite_allowed', 'pod labels (network policies select on them)', false],
];

const isRoot = (u: string) => /^(root|0)(:.*)?$/.test(u.trim());

/** Whether a Go regexp (RE2, unanchored) lets any value through; null when JavaScript cannot compile it. */
function matchesAnything(pattern: string): boolean | null {
  try {
    return new RegExp(pattern).test(PROBE);
  } catch {
    return null;
  }
}

function dockerChoices(r: RunnerEntry, ev: SettingEvidence) {
  const d = r.docker;
  const fail: string[] = [];
  const warn: string[] = [];
  const evidence: string[] = [];
  if (d.allowed_images === undefined) warn.push('no allowed_images: a job runs any image it names');
  if (d.allowed_services === undefined) warn.push('no allowed_services: a job starts any service image');
  const users = strList(d.allowed_users);
  if (!str(d.user) && d.allowed_users === undefined) warn.push('neither user nor allowed_users: a job may run as any user, root included (image:docker:user)');
  else if (!str(d.user) && users.some(isRoot)) warn.push('allowed_users lets a job run as root');
  evidence.push(ev.runner(r, 'docker', 'allowed_images'), ev.runner(r, 'docker', 'allowed_services'), ev.runner(r, 'docker', 'user'), ev.runner(r, 'docker', 'allowed_users'));
  return { fail, warn, evidence };
}

function kubernetesChoices(r: RunnerEntry, ev: SettingEvidence) {
  const k = r.kubernetes;
  const fail: string[] = [];
  const warn: string[] = [];
  const evidence: string[] = [ev.runner(r, 'kubernetes', 'allowed_images'), ev.runner(r, 'kubernetes', 'allowed_services')];
  if (k.allowed_images === undefined) warn.push('no allowed_images: a job runs any image it names');
  if (k.allowed_services === undefined) warn.push('no allowed_services: a job starts any service image');
  for (const key of ['allowed_users', 'allowed_groups']) {
    if (!strList(k[key]).some(isRoot)) continue;
    warn.push(`${key} lets a job run as ${key === 'allowed_users' ? 'root' : 'group 0'}`);
    evidence.push(ev.runner(r, 'kubernetes', key));
  }
  if (k.bearer_token_overwrite_allowed === true) {
    fail.push('bearer_token_overwrite_allowed = true: a job creates its pod with any token it brings, and that token\'s cluster rights');
    evidence.push(ev.runner(r, 'kubernetes', 'bearer_token_overwrite_allowed'));
  }
  for (const [key, what, takeover] of OVERWRITES) {
    const pattern = str(k[key]);
    if (!pattern) continue; // empty: the overwrite is off
    const any = matchesAnything(pattern);
    evidence.push(ev.runner(r, 'kubernetes', key));
    if (any === null) warn.push(`${key} is a pattern runnerguard cannot evaluate: a job chooses ${what}, within it`);
    else if (any && takeover) fail.push(`${key} matches any name: a job chooses ${what}`);
    else warn.push(`${key} ${any ? 'matches any value' : 'is set'}: a job chooses ${what}${any ? '' : ', within that pattern'}`);
  }
  return { fail, warn, evidence };
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-017',
    title: 'Jobs run only the images, users and pod settings the runner allows',
    severity: 'medium',
    area: 'runner',
    rationale:
      "Without allow-lists a job runs any image and service it names, as any user its image or job says, root included. On kubernetes a job may also pick its namespace, service account, bearer token, nodes and labels when the *_overwrite_allowed knobs let it: a namespace or service account pattern that matches anything hands a job whatever rights exist in the cluster.",
    references: [
      'https://docs.gitlab.com/runner/executors/docker/#restrict-docker-images-and-services',
      'https://docs.gitlab.com/runner/executors/kubernetes/#configure-container-user-and-group',
      'https://docs.gitlab.com/runner/executors/kubernetes/#overwrite-container-resources',
      REF.glDockerConfig,
      REF.guideDockerExecutor,
    ],
    reads: [
      'runner config.toml: executor; [runners.docker] allowed_images, allowed_services, user, allowed_users',
      'runner config.toml: [runners.kubernetes] allowed_images, allowed_services, allowed_users, allowed_groups, bearer_token_overwrite_allowed, namespace_overwrite_allowed, service_account_overwrite_allowed, node_tolerations_overwrite_allowed, node_selector_overwrite_allowed, pod_annotations_overwrite_allowed, pod_labels_overwrite_allowed',
    ],
    remediation: {
      summary:
        'Set allowed_images and allowed_services to the images your projects use; set user (or allowed_users without root); on kubernetes keep bearer_token_overwrite_allowed false and give each *_overwrite_allowed a pattern naming only the namespaces, service accounts and values jobs may pick, anchored (^ci-[a-z0-9-]+$), or leave it empty.',
    },
  },
  async run(ctx) {
    const ev = await configEvidence(ctx);
    return forEachContainerRunner(ctx, 'no job images or pods to restrict', (r, table) => {
      const { fail, warn, evidence } = table === 'docker' ? dockerChoices(r, ev) : kubernetesChoices(r, ev);
      if (fail.length > 0) return verdict.fail(r.subject, [...fail, ...warn].join('; '), evidence);
      if (warn.length > 0) return verdict.warn(r.subject, `${warn.join('; ')}; acceptable only where every project on the runner is trusted alike`, evidence);
      return verdict.pass(r.subject, 'jobs choose only among allow-listed images and services, and cannot pick root or their own cluster rights', evidence);
    });
  },
});
