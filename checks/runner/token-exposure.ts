import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { gitlabConfigLines } from '../../agent/facts/gitlab-config-lines.js';
import { REF } from '../references.js';
import { tableOf } from './capabilities.js';
import { settingEvidence } from './config-evidence.js';
import { featureFlag } from './environment.js';
import { forEachRunner, str } from './runners.js';

/** A script line that fetches from the network: what the server returns then runs before every job. */
const FETCH = /\b(curl|wget|Invoke-WebRequest|iwr|Invoke-RestMethod|irm)\b|https?:\/\//i;

const FLAGS: Array<[name: string, bad: boolean, why: string]> = [
  ['FF_GIT_URLS_WITHOUT_TOKENS', false, "FF_GIT_URLS_WITHOUT_TOKENS is off (its default): the job token is written into each checkout's git config, where later jobs on this host can read it"],
  ['FF_MASK_ALL_DEFAULT_TOKENS', false, 'FF_MASK_ALL_DEFAULT_TOKENS is off: tokens of GitLab\'s default patterns are printed unmasked in job logs'],
  ['FF_DISABLE_AUTOMATIC_TOKEN_ROTATION', true, 'FF_DISABLE_AUTOMATIC_TOKEN_ROTATION is on: the runner token is not rotated before it expires, so a copied token stays valid'],
];

export default defineCheck({
  meta: {
    id: 'RG-RUN-016',
    title: 'Runner and job tokens travel over TLS and stay out of logs and checkouts',
    severity: 'high',
    area: 'runner',
    rationale:
      "Over http:// the runner token and every job token cross the network in clear, and an unencrypted cache endpoint serves cache archives to anyone on the path. Debug traces print every CI variable; a debug log level, tokens in checkouts' git config, default tokens left unmasked and a runner token never rotated each leave a token where a later job or a log reader finds it. A pre-job script that downloads what it runs hands every job to whoever controls that server.",
    references: [
      REF.glAdvancedConfig,
      'https://docs.gitlab.com/runner/configuration/feature-flags/',
      'https://docs.gitlab.com/ci/variables/variables_troubleshooting/#enable-debug-logging',
      REF.modelSecrets,
    ],
    reads: [
      'runner config.toml: log_level; [[runners]] url, clone_url, debug_trace_disabled, pre_get_sources_script, pre_build_script, environment (FF_ entries); [runners.feature_flags]; [runners.cache.s3] Insecure',
    ],
    remediation: {
      summary:
        'Use https:// for url and clone_url and keep [runners.cache.s3] Insecure = false; set debug_trace_disabled = true, log_level = "info" (or warn); in [runners.feature_flags] set FF_GIT_URLS_WITHOUT_TOKENS = true and leave FF_MASK_ALL_DEFAULT_TOKENS on and FF_DISABLE_AUTOMATIC_TOKEN_ROTATION off; bake what pre-job scripts download into the image, or pin it by checksum.',
    },
  },
  async run(ctx) {
    const lines = await ctx.facts.get(gitlabConfigLines);
    const ev = settingEvidence(lines);
    return forEachRunner(ctx, (r, facts): FindingDraft => {
      const doc = facts.config.ok ? facts.config.doc : {};
      const fail: string[] = [];
      const warn: string[] = [];
      const evidence: string[] = [];
      for (const key of ['url', 'clone_url']) {
        const v = str(r.raw[key]);
        if (v && /^http:\/\//i.test(v.trim())) {
          fail.push(`${key} is http://: ${key === 'url' ? 'the runner token and job tokens travel' : 'job tokens travel in every clone URL'} in clear`);
          evidence.push(ev.runner(r, '', key));
        }
      }
      const s3 = tableOf(tableOf(r.raw.cache).s3);
      if (s3.Insecure === true) {
        fail.push('the S3 cache is reached over plain HTTP (Insecure = true): cache archives and their signed URLs travel in clear');
        evidence.push(ev.nested(r, ['cache', 's3'], 'Insecure'));
      }
      if (r.raw.debug_trace_disabled !== true) {
        warn.push('debug_trace_disabled is not true: any pipeline can set CI_DEBUG_TRACE and print every variable of its jobs, masked ones included, to the job log');
        evidence.push(ev.runner(r, '', 'debug_trace_disabled'));
      }
      if (str(doc.log_level)?.trim().toLowerCase() === 'debug') {
        warn.push('log_level = "debug": the runner logs request and job details a log reader should not see');
        evidence.push(ev.global(['log_level'], doc.log_level));
      }
      for (const [name, bad, why] of FLAGS) {
        const f = featureFlag(r, name);
        if ((f?.value ?? name === 'FF_MASK_ALL_DEFAULT_TOKENS') !== bad) continue;
        warn.push(why);
        evidence.push(f?.from === 'environment' ? `[[runners]] environment sets ${name}=${f.value}` : ev.runner(r, 'feature_flags', name));
      }
      for (const key of ['pre_get_sources_script', 'pre_build_script']) {
        const script = str(r.raw[key]);
        const line = script?.split('\n').find((l) => FETCH.test(l));
        if (!line) continue;
        warn.push(`${key} fetches from the network before every job: whoever controls that server runs code in every job`);
        evidence.push(`${lines ? `${lines.at(['runners', r.index, key])}: ` : ''}[[runners]] ${key} line ${JSON.stringify(line.trim().slice(0, 160))}`);
      }
      if (fail.length > 0) return verdict.fail(r.subject, [...fail, ...warn].join('; '), evidence);
      if (warn.length > 0) return verdict.warn(r.subject, warn.join('; '), evidence);
      return verdict.pass(r.subject, 'tokens travel over TLS, debug traces are off and checkouts carry no job token', [
        ev.runner(r, '', 'url'),
        ev.runner(r, '', 'debug_trace_disabled'),
        ev.runner(r, 'feature_flags', 'FF_GIT_URLS_WITHOUT_TOKENS'),
      ]);
    });
  },
});
