/**
 * docs/report.schema.json describes the native JSON report as the built CLI
 * writes it (`audit --format json`), validated by ajv (JSON Schema 2020-12)
 * on several real fixture roots: a clean-ish base host, a 20-runner fleet
 * host, a flood of leaking checkouts (the `more:path` aggregate), and
 * waived and expired-waiver findings from a config file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree, tokenFlood } from '../helpers/fixture-tree.js';
import { fleetHost } from './fleet-host.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

let bundle: string;
let tmp: string;
const trees: FixtureTree[] = [];

beforeAll(() => {
  bundle = buildBundle();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rg-schema-'));
});
afterAll(async () => {
  for (const t of trees) await t.remove();
  rmSync(path.dirname(bundle), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

async function tree(build: (t: FixtureTree) => Promise<void>): Promise<FixtureTree> {
  const t = await FixtureTree.create();
  trees.push(t);
  await build(t);
  return t;
}

async function auditJson(root: string, extra: string[] = []): Promise<Report> {
  const r = await runCli(bundle, ['audit', '--root', root, '--format', 'json', ...extra]);
  expect(r.stderr).toBe('');
  expect([0, 1]).toContain(r.code);
  const report = JSON.parse(r.stdout);
  const ok = validate(report);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toEqual([]);
  expect(ok).toBe(true);
  return report as Report;
}


describe('docs/report.schema.json', () => {
  it('is a valid 2020-12 schema that forbids what the report does not hold', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(validate({ schema: 'runnerguard/report@1' })).toBe(false);
    expect(validate.errors!.map((e) => e.params)).toContainEqual({ missingProperty: 'findings' });
  });

  it('an empty root: every check decides or skips; the report validates, checkDurationsMs included', async () => {
    const t = await tree(async (x) => {
      await x.dir('/etc', { mode: 0o755 });
    });
    const report = await auditJson(t.root);
    expect(report.target).toEqual({ root: t.root, live: false });
    expect(Object.keys(report.checkDurationsMs ?? {}).length).toBe(new Set(report.findings.map((f) => f.check)).size);
  });

  it('a 20-runner host validates (per-runner findings, file:line evidence)', async () => {
    const t = await tree((x) => fleetHost(x));
    const report = await auditJson(t.root);
    expect(report.findings.filter((f) => f.subject.startsWith('runner:') && f.status === 'fail').length).toBeGreaterThanOrEqual(40);
    expect(report.findings.some((f) => f.evidence.some((e) => /^\/etc\/gitlab-runner\/config\.toml:\d+: /.test(e)))).toBe(true);
  });

  it('a flood of leaking checkouts validates, with its more:path aggregate', async () => {
    const t = await tree((x) => tokenFlood(x));
    const report = await auditJson(t.root, ['--only', 'RG-BUILD-002']);
    const agg = report.findings.find((f) => f.subject === 'more:path');
    expect(agg).toMatchObject({ check: 'RG-BUILD-002', status: 'fail' });
    expect(agg!.evidence).toContain('count 30');
  });

  it('waived and expired-waiver findings validate', async () => {
    const t = await tree((x) => fleetHost(x, ['a', 'b']));
    const config = path.join(tmp, 'waivers.toml');
    writeFileSync(
      config,
      '[[waivers]]\ncheck = "RG-RUN-003"\nsubject = "runner:a"\nreason = "DinD on a protected runner"\nexpires = "2999-01-01"\n\n' +
        '[[waivers]]\ncheck = "RG-RUN-004"\nsubject = "runner:b"\nreason = "was temporary"\nexpires = "2001-01-01"\n',
      { mode: 0o644 },
    );
    const report = await auditJson(t.root, ['--config', config]);
    expect(report.findings.find((f) => f.check === 'RG-RUN-003' && f.subject === 'runner:a')?.waived).toEqual({ reason: 'DinD on a protected runner', expires: '2999-01-01' });
    expect(report.findings.find((f) => f.check === 'RG-RUN-004' && f.subject === 'runner:b')?.waiverExpired).toEqual({ reason: 'was temporary', expires: '2001-01-01' });
  });
});
