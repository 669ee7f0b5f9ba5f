import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { runAudit } from '../../agent/engine/run-checks.js';
import type { Report } from '../../agent/engine/types.js';
import { createHost } from '../../agent/host/index.js';
import { formatReport } from '../../agent/report/index.js';
import { firstUrl } from '../../agent/report/locate.js';
import { HOMEPAGE } from '../../agent/version.js';
import { CATALOGUE } from '../../checks/index.js';
import { FixtureTree, gitlabRunnerUnit } from '../helpers/fixture-tree.js';
import { expectValidOcsf, ocsfValidator } from './ocsf-schema.js';

// Real audits of one fixture host, read the way each consumer reads them:
// the SARIF 2.1.0 schema, xmllint, OCSF's Compliance Finding enums.

const CONFIG = '/etc/gitlab-runner/config.toml';
// A job cannot write this root-owned file; the volume string is the kind of
// value that a job-writable config could hold: it names another file:line.
const CONFIG_TEXT = [
  'concurrent = 1',
  '[[runners]]',
  '  name = "dind"',
  '  executor = "docker"',
  '  [runners.docker]',
  '    privileged = true',
  '    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/etc/shadow:1"]',
  '',
].join('\n');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

let t: FixtureTree;
let work: string;
let reports: [Report, Report];
const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0-rtm.5.json', import.meta.url), 'utf8'));

async function audit(): Promise<Report> {
  return runAudit({ host: createHost({ root: t.root }), config: cfgWithWaiver(), checks: CATALOGUE });
}
function cfgWithWaiver() {
  const cfg = defaultConfig();
  cfg.waivers = [{ check: 'RG-RUN-011', subject: 'runner:dind', reason: 'seccomp profile pending' }];
  return cfg;
}

beforeAll(async () => {
  t = await FixtureTree.create();
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: CONFIG }));
  await t.file(CONFIG, CONFIG_TEXT, { mode: 0o600 });
  await t.file('/etc/ssh/sshd_config', 'PermitRootLogin yes\nPasswordAuthentication yes\n', { mode: 0o644 });
  reports = [await audit(), await audit()];
  work = mkdtempSync(path.join(os.tmpdir(), 'rg-consumers-'));
}, 120_000);
afterAll(async () => {
  await t.remove();
  rmSync(work, { recursive: true, force: true });
});

const report = () => reports[0];
const flagged = (r: Report) => r.findings.filter((f) => f.status === 'fail' || f.status === 'warn' || f.status === 'error');
const key = (f: { check: string; subject: string }) => `${f.check} ${f.subject}`;

function validSarif(text: string) {
  const sarif = JSON.parse(text);
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  validate(sarif);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toEqual([]);
  return sarif;
}

type SarifResult = {
  ruleId: string;
  kind: string;
  level: string;
  properties: { status: string; subject: string };
  partialFingerprints: Record<string, string>;
  locations: Array<{ physicalLocation?: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } }; logicalLocations?: Array<{ fullyQualifiedName: string }> }>;
};

describe('SARIF as code-scanning UIs read it', () => {
  it('by default only fail, warn and error results; --verbose keeps pass and skip; both schema-valid', () => {
    const r = report();
    expect(r.findings.some((f) => f.status === 'pass') && r.findings.some((f) => f.status === 'skip')).toBe(true);
    const results = validSarif(formatReport(r, 'sarif', { color: false })).runs[0].results as SarifResult[];
    expect(results.map((x) => x.properties.status).sort()).toEqual(flagged(r).map((f) => f.status).sort());
    expect(results.length).toBeGreaterThan(0);
    const all = validSarif(formatReport(r, 'sarif', { color: false, verbose: true })).runs[0].results as SarifResult[];
    expect(all).toHaveLength(r.findings.length);
    // SARIF: a kind other than fail has level none; a warn is a fail at level warning.
    for (const x of all) if (x.kind !== 'fail') expect(x.level).toBe('none');
    expect(all.filter((x) => x.properties.status === 'warn').every((x) => x.kind === 'fail' && x.level === 'warning')).toBe(true);
  });

  it('a physical location (artifact URI, region.startLine) where the evidence names file:line, never a file a value names', () => {
    const results = JSON.parse(formatReport(report(), 'sarif', { color: false })).runs[0].results as SarifResult[];
    const privileged = results.find((x) => x.ruleId === 'RG-RUN-003')!;
    expect(privileged.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'etc/gitlab-runner/config.toml', uriBaseId: 'TARGETROOT' }, region: { startLine: lineOf(CONFIG_TEXT, 'privileged = true') } });
    expect(privileged.locations[0]!.logicalLocations).toEqual([{ fullyQualifiedName: 'runner:dind', kind: 'resource' }]);
    const sshd = results.find((x) => x.ruleId === 'RG-SSH-003')!;
    expect(sshd.locations.map((l) => l.physicalLocation!.region!.startLine)).toEqual([1, 2]);
    // The subject is the file itself: no logical location repeats it.
    expect(sshd.locations[0]!.logicalLocations).toBeUndefined();
    const uris = results.flatMap((x) => x.locations.map((l) => l.physicalLocation?.artifactLocation.uri));
    expect(uris).not.toContain('etc/shadow');
    const socket = results.find((x) => x.ruleId === 'RG-RUN-004')!;
    // The evidence does carry the value, after the location.
    expect(report().findings.some((f) => f.evidence.some((e) => e.includes('"/etc/shadow:1"')))).toBe(true);
    expect(socket.locations[0]!.physicalLocation!.region!.startLine).toBe(lineOf(CONFIG_TEXT, 'volumes'));
  });

  it('informationUri is the homepage; each rule helpUri is the first http(s) URL of its references', () => {
    const driver = JSON.parse(formatReport(report(), 'sarif', { color: false })).runs[0].tool.driver;
    expect(driver.informationUri).toBe(HOMEPAGE);
    expect(HOMEPAGE).toMatch(/^https:\/\//);
    for (const rule of driver.rules as Array<{ id: string; helpUri?: string }>) {
      const refs = CATALOGUE.find((c) => c.meta.id === rule.id)!.meta.references;
      expect(rule.helpUri, rule.id).toBe(firstUrl(refs));
    }
    expect(driver.rules.filter((r: { helpUri?: string }) => r.helpUri).length).toBeGreaterThan(driver.rules.length / 2);
  });

  it('partialFingerprints are the same on a second run (new report id) and differ between findings', () => {
    const fp = (r: Report) => new Map((JSON.parse(formatReport(r, 'sarif', { color: false, verbose: true })).runs[0].results as SarifResult[]).map((x) => [`${x.ruleId} ${x.properties.subject}`, x.partialFingerprints['runnerguardFinding/v1']!]));
    const [a, b] = reports.map(fp) as [Map<string, string>, Map<string, string>];
    expect(reports[0].id).not.toBe(reports[1].id);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
    expect(new Set(a.values()).size).toBe(a.size);
    for (const v of a.values()) expect(v).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('JUnit as GitLab reads it (checked by xmllint)', () => {
  const lint = (xml: string) => {
    const file = path.join(work, `junit-${Math.random().toString(16).slice(2)}.xml`);
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return (xpath: string) => execFileSync('xmllint', ['--xpath', xpath, file], { encoding: 'utf8' }).trim();
  };

  it('a WARN is a <failure type="warning">; failures count fail and warn, a waived warn is skipped', () => {
    const r = report();
    const q = lint(formatReport(r, 'junit', { color: false }));
    const open = (s: string) => r.findings.filter((f) => f.status === s && !f.waived).length;
    expect(open('warn')).toBeGreaterThan(0);
    expect(q('count(//failure[@type="warning"])')).toBe(String(open('warn')));
    expect(q('count(//failure)')).toBe(String(open('warn') + open('fail')));
    expect(q('string(/testsuites/@failures)')).toBe(String(open('warn') + open('fail')));
    expect(q('count(//testcase[starts-with(@name, "RG-RUN-011 ")]/skipped[starts-with(@message, "waived: ")])')).toBe(String(r.findings.filter((f) => f.check === 'RG-RUN-011' && f.waived).length));
    expect(q('string(//failure[@type="warning"][1]/@message)')).toMatch(/^WARN \[(critical|high|medium|low|info)\] /);
  });

  it('a file attribute (and line) where the evidence names file:line, or the subject is a path', () => {
    const q = lint(formatReport(report(), 'junit', { color: false }));
    expect(q('string(//testcase[@name="RG-RUN-003 runner:dind"]/@file)')).toBe(CONFIG);
    expect(q('string(//testcase[@name="RG-RUN-003 runner:dind"]/@line)')).toBe(String(lineOf(CONFIG_TEXT, 'privileged = true')));
    expect(q('string(//testcase[@name="RG-SSH-003 /etc/ssh/sshd_config"]/@file)')).toBe('/etc/ssh/sshd_config');
    expect(q('count(//testcase[@file="/etc/shadow"])')).toBe('0');
  });

  it('time is the check duration the engine measured, for every check', () => {
    const r = report();
    expect(Object.keys(r.checkDurationsMs ?? {}).sort()).toEqual(CATALOGUE.map((c) => c.meta.id).sort());
    const q = lint(formatReport(r, 'junit', { color: false }));
    for (const f of r.findings.slice(0, 20)) {
      const time = q(`string(//testcase[@name="${key(f)}"][1]/@time)`);
      expect(time, key(f)).toBe((r.checkDurationsMs![f.check]! / 1000).toFixed(3));
    }
  });
});

type OcsfEvent = {
  class_uid: number;
  activity_id: number;
  type_uid: number;
  status_id: number;
  status: string;
  severity_id: number;
  finding_info: { uid: string };
  compliance: { control: string; status_id: number; status: string };
  device: { uid: string };
  resource: { name: string };
  unmapped: { status: string };
};

describe('OCSF 1.1 Compliance Finding (2003)', () => {
  const events = (r: Report) => formatReport(r, 'ocsf', { color: false }).trim().split('\n').map((l) => JSON.parse(l) as OcsfEvent);
  const sev = { info: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;

  it('every line is valid against the OCSF 1.1.0 Compliance Finding schema (class attributes only, required ones, enums)', () => {
    const text = formatReport(report(), 'ocsf', { color: false });
    expectValidOcsf(text);
    // The schema does refuse what 1.1.0 lacks: `resources` (added in 1.3) at the top level.
    const validate = ocsfValidator();
    expect(validate({ ...JSON.parse(text.split('\n')[0]!), resources: [] })).toBe(false);
  });

  it('a pass is a resolved, informational finding with compliance Pass, never New at the check severity', () => {
    const r = report();
    const es = events(r);
    expect(es).toHaveLength(r.findings.length);
    const by = (s: string) => es.filter((e) => e.unmapped.status === s);
    expect(by('pass').length).toBeGreaterThan(0);
    for (const e of by('pass')) expect(e).toMatchObject({ status_id: 4, status: 'Resolved', severity_id: 1, activity_id: 3, type_uid: 200303, compliance: { status_id: 1, status: 'Pass' } });
    for (const e of by('skip')) expect(e).toMatchObject({ status_id: 99, severity_id: 1, activity_id: 3, compliance: { status_id: 99, status: 'Not Applicable' } });
    const fails = r.findings.filter((f) => f.status === 'fail' && !f.waived);
    expect(fails.length).toBeGreaterThan(0);
    for (const f of fails) {
      const e = es.find((x) => x.compliance.control === f.check && x.resource.name === f.subject)!;
      expect(e).toMatchObject({ status_id: 1, status: 'New', activity_id: 1, type_uid: 200301, severity_id: sev[f.severity], compliance: { status_id: 3, status: 'Fail' } });
    }
    // The waived warns are suppressed, not New.
    const waived = es.filter((e) => e.compliance.control === 'RG-RUN-011' && e.unmapped.status === 'warn');
    expect(waived.length).toBeGreaterThan(0);
    for (const e of waived) expect(e).toMatchObject({ status_id: 3, status: 'Suppressed' });
    for (const e of es) expect(e.type_uid).toBe(e.class_uid * 100 + e.activity_id);
  });

  it('device.uid is the machine id; finding_info.uid is stable across runs and differs between findings', () => {
    const machineId = createHash('sha256').update('0123456789abcdef0123456789abcdef').digest('hex');
    const [a, b] = reports.map(events) as [OcsfEvent[], OcsfEvent[]];
    for (const e of a) expect(e.device.uid).toBe(machineId);
    const uids = (es: OcsfEvent[]) => new Map(es.map((e) => [`${e.compliance.control} ${e.resource.name}`, e.finding_info.uid]));
    const ua = uids(a);
    expect(ua.size).toBe(a.length);
    expect(new Set(ua.values()).size).toBe(ua.size);
    expect(uids(b)).toEqual(ua);
  });
});
