import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import { createHost } from '../../agent/host/index.js';
import { formatSarif } from '../../agent/report/sarif.js';
import { CATALOGUE } from '../../checks/index.js';
import { FixtureTree, gitlabRunnerUnit } from '../helpers/fixture-tree.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0-rtm.5.json', import.meta.url), 'utf8'));

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 JSON schema, for a real audit of a failing fixture host', async () => {
    const t = await FixtureTree.create();
    try {
      await t.useradd('gitlab-runner', { uid: 998 });
      await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml' }));
      await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "dind"\n  executor = "docker"\n  [runners.docker]\n    privileged = true\n    volumes = ["/var/run/docker.sock:/var/run/docker.sock"]\n', { mode: 0o644 });
      const cfg = defaultConfig();
      cfg.waivers = [{ check: 'RG-RUN-003', subject: 'runner:dind', reason: 'DinD on a protected runner' }];
      const report = await runAudit({ host: createHost({ root: t.root }), config: cfg, checks: CATALOGUE });
      const sarif = JSON.parse(formatSarif(report));
      // The published schema has a language-tag pattern that is invalid in unicode mode (a stray "]").
      const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
      addFormats(ajv);
      const validate = ajv.compile(schema);
      const ok = validate(sarif);
      expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toEqual([]);
      expect(ok).toBe(true);
      // Only what needs a look (fail, warn, error); pass and skip with --verbose.
      const flagged = report.findings.filter((f) => f.status === 'fail' || f.status === 'warn' || f.status === 'error');
      expect(sarif.runs[0].results.length).toBe(flagged.length);
      expect(report.findings.length).toBeGreaterThan(flagged.length);
      expect(sarif.runs[0].results.some((r: { level: string; kind: string }) => r.kind === 'fail' && r.level === 'error')).toBe(true);
    } finally {
      await t.remove();
    }
  });
});
