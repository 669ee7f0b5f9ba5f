import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { REF } from '../references.js';
import { tableOf } from './capabilities.js';
import { forEachRunner, str, strList } from './runners.js';

/** docker-machine driver options whose value is a cloud credential (amazonec2-secret-key=..., digitalocean-access-token=...). */
const MACHINE_SECRET = /^(--?)?([a-z0-9]+-)*(access-key|secret-key|secret|password|token|access-token|api-key|api-secret|client-secret|private-key|auth-token|credentials)$/i;

/** Where a static credential sits: [table] key, no value (evidence never carries the secret). */
interface Static {
  table: string[];
  key: string;
  what: string;
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-020',
    title: 'Runner config holds no static cloud or host credentials',
    severity: 'medium',
    area: 'runner',
    rationale:
      "A cloud key, storage account key, SSH password or cluster token written into config.toml is valid until someone rotates it by hand, and is copied with every backup of the file and with the file itself to whoever reads it. Instance roles, workload identity and key files with their own rotation give the runner the same access without a long-lived secret in its config.",
    references: [
      'https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnerscaches3-section',
      'https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnerscacheazure-section',
      'https://docs.gitlab.com/runner/executors/ssh/',
      REF.glAutoscalerConfig,
      REF.modelSecrets,
    ],
    reads: [
      'runner config.toml: [runners.cache.s3] AccessKey, SecretKey, SessionToken; [runners.cache.gcs] PrivateKey; [runners.cache.azure] AccountKey; [runners.ssh] password; [runners.kubernetes] bearer_token',
      'runner config.toml: [runners.machine] MachineOptions (option names only); [runners.autoscaler.connector_config] password, use_static_credentials',
    ],
    remediation: {
      summary:
        'Use an IAM role or instance profile for S3 (AuthenticationType = "iam"), workload identity or a CredentialsFile for GCS, a managed identity or SAS for Azure, identity_file for SSH, a service account for kubernetes and instance roles for docker-machine; set use_static_credentials = false and drop connector_config password. Then rotate the credential that was in the file.',
    },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    return forEachRunner(ctx, (r) => {
      const found: Static[] = [];
      const cache = tableOf(r.raw.cache);
      const has = (t: Record<string, unknown>, k: string) => typeof t[k] === 'string' && (t[k] as string).trim() !== '';
      for (const [sub, keys, what] of [
        ['s3', ['AccessKey', 'SecretKey', 'SessionToken'], 'a static S3 key'],
        ['gcs', ['PrivateKey'], 'a GCS service account key'],
        ['azure', ['AccountKey'], 'an Azure storage account key'],
      ] as const) {
        for (const k of keys) if (has(tableOf(cache[sub]), k)) found.push({ table: ['cache', sub], key: k, what });
      }
      if (has(r.ssh, 'password')) found.push({ table: ['ssh'], key: 'password', what: 'the build host\'s SSH password' });
      if (has(r.kubernetes, 'bearer_token')) found.push({ table: ['kubernetes'], key: 'bearer_token', what: 'a cluster bearer token' });
      for (const opt of strList(r.machine.MachineOptions)) {
        const name = opt.split('=')[0]!.trim();
        if (MACHINE_SECRET.test(name) && opt.includes('=')) found.push({ table: ['machine'], key: `MachineOptions ${name.slice(0, 60)}`, what: 'a cloud credential for docker-machine' });
      }
      const conn = tableOf(r.autoscaler.connector_config);
      if (has(conn, 'password')) found.push({ table: ['autoscaler', 'connector_config'], key: 'password', what: 'the instances\' login password' });
      if (conn.use_static_credentials === true) found.push({ table: ['autoscaler', 'connector_config'], key: 'use_static_credentials', what: 'static credentials for every instance' });
      if (found.length === 0) return verdict.pass(r.subject, 'no static cloud, storage, SSH or cluster credential in the runner\'s config');
      const evidence = found.map((f) => {
        const where = lines ? `${lines.at(['runners', r.index, ...f.table, f.key.split(' ')[0]!])}: ` : '';
        return `${where}[runners.${f.table.join('.')}] ${f.key} ${f.key === 'use_static_credentials' ? '= true' : 'is set (value not shown)'}`;
      });
      const what = [...new Set(found.map((f) => f.what))];
      return verdict.warn(r.subject, `config.toml holds ${what.join(', ')} (long-lived, copied with the file); prefer a role or identity the platform rotates`, evidence);
    });
  },
});
