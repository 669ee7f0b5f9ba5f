// The delivery keys of issues 12 and 14: [report] format, auth_scheme,
// rejected_max_reports/bytes and [agent] tick_offset_max_ms, validated with
// every other problem (file:line), by the parser run uses and by `config check`.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../agent/config/load.js';
import { defaultConfig } from '../../agent/config/schema.js';
import { problemText } from '../../agent/config/validate.js';
import { buildBundle, runCli } from '../helpers/cli.js';

const FILE = '/etc/runnerguard/config.toml';

describe('delivery keys', () => {
  it('defaults: json body, Bearer, 100 rejected reports / 10 MiB, a tick offset of up to 5 minutes', () => {
    const d = defaultConfig();
    expect([d.report.format, d.report.auth_scheme, d.report.rejected_max_reports, d.report.rejected_max_bytes, d.agent.tick_offset_max_ms]).toEqual(['json', 'Bearer', 100, 10 * 1024 * 1024, 300_000]);
  });

  it('accepts every format and scheme as documented', () => {
    for (const format of ['json', 'ocsf']) {
      for (const scheme of ['Bearer', 'Splunk', 'ApiKey']) {
        const c = parseConfig(`[agent]\ntick_offset_max_ms = 0\n[report]\ntoken_file = "/etc/runnerguard/token"\nformat = "${format}"\nauth_scheme = "${scheme}"\nrejected_max_reports = 0\nrejected_max_bytes = 1\n`, FILE);
        expect([c.report.format, c.report.auth_scheme, c.report.rejected_max_reports, c.agent.tick_offset_max_ms]).toEqual([format, scheme, 0, 0]);
      }
    }
  });

  it('lists each bad value with its line; a bad one counts as its default', () => {
    const text = [
      '[agent]',
      'tick_offset_max_ms = -1',
      '[report]',
      'format = "ndjson"',
      'auth_scheme = "bearer"',
      'rejected_max_reports = -5',
      'rejected_max_bytes = "10M"',
      '',
    ].join('\n');
    const r = validateConfig(text, FILE);
    expect(r.problems.map(problemText)).toEqual([
      `${FILE}:2: agent.tick_offset_max_ms: -1 is negative`,
      `${FILE}:4: report.format: "ndjson" is not one of "json", "ocsf"`,
      `${FILE}:5: report.auth_scheme: "bearer" is not one of "Bearer", "Splunk", "ApiKey" (exact case)`,
      `${FILE}:5: report.auth_scheme is set but report.token_file is not: no Authorization header is sent`,
      `${FILE}:6: report.rejected_max_reports: -5 is negative`,
      `${FILE}:7: report.rejected_max_bytes: expected an integer, got a string`,
    ]);
    expect([r.config.report.format, r.config.report.auth_scheme, r.config.report.rejected_max_reports, r.config.agent.tick_offset_max_ms]).toEqual(['json', 'Bearer', 100, 300_000]);
    // run and daemon load with the same rules: the first problem stops them (exit 2).
    expect(() => parseConfig(text, FILE)).toThrow(/config\.toml:2: agent\.tick_offset_max_ms: -1 is negative \(and 5 more problem/);
  });
});

describe('runnerguard config check: the delivery keys', () => {
  let bundle: string;
  let dir: string;
  beforeAll(async () => {
    bundle = buildBundle();
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-cfg-delivery-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
  });

  it('ok for good values; every bad one on stderr with file:line, exit 2', async () => {
    const token = path.join(dir, 'token');
    await fsp.writeFile(token, 'abc\n', { mode: 0o600 });
    const good = path.join(dir, 'good.toml');
    await fsp.writeFile(good, `[agent]\nstate_dir = "${dir}/state"\n[report]\nurl = "https://127.0.0.1:8088/services/collector/raw"\ntoken_file = "${token}"\nformat = "ocsf"\nauth_scheme = "Splunk"\n`, { mode: 0o600 });
    const ok = await runCli(bundle, ['config', 'check', '--config', good]);
    expect(ok.stdout).toBe(`${good}: ok\n`);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = path.join(dir, 'bad.toml');
    await fsp.writeFile(bad, `[agent]\nstate_dir = "${dir}/state"\n[report]\nurl = "https://127.0.0.1/"\nformat = "OCSF"\nauth_scheme = "Token"\n`, { mode: 0o600 });
    const no = await runCli(bundle, ['config', 'check', '--config', bad]);
    expect(no.code).toBe(2);
    expect(no.stderr).toBe(
      `runnerguard: ${bad}:5: report.format: "OCSF" is not one of "json", "ocsf"\n` +
        `runnerguard: ${bad}:6: report.auth_scheme: "Token" is not one of "Bearer", "Splunk", "ApiKey" (exact case)\n` +
        `runnerguard: ${bad}:6: report.auth_scheme is set but report.token_file is not: no Authorization header is sent\n`,
    );
  });
});
