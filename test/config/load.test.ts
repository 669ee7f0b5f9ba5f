import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../agent/config/load.js';

const OPTS = { 'RG-BUILD-001': { max_age_hours: 'integer' as const } };

function err(text: string): string {
  try {
    parseConfig(text, '/etc/runnerguard/config.toml', OPTS);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the contract example and fills defaults', () => {
    const cfg = parseConfig(
      `[agent]
state_dir = "/var/lib/runnerguard"
schedule = "*/30 * * * *"          # daemon mode only
[report]
url = "https://collector.example:8443/v1/reports"
token_file = "/etc/runnerguard/token"
ca_file = "/etc/ssl/ca.pem"
[metrics]
textfile = "/var/lib/prometheus/node-exporter/runnerguard.prom"
[gitlab]
config = "/etc/gitlab-runner/config.toml"
[github]
runner_dirs = ["/home/gh/actions-runner"]
[egress]
allow = ["registry.example.com:443", "10.20.0.0/16"]
[remediations]
enable = ["RG-RUN-002", "RG-AUDIT-002"]
[checks.RG-BUILD-001]
max_age_hours = 24
[[waivers]]
check = "RG-RUN-003"
subject = "runner:dind-*"
reason = "DinD builds, protected branches only"
expires = 2026-12-31
`,
      'c.toml',
      OPTS,
    );
    expect(cfg.report.url).toBe('https://collector.example:8443/v1/reports');
    expect(cfg.report.timeout_ms).toBe(30_000);
    expect(cfg.checks['RG-BUILD-001']).toEqual({ max_age_hours: 24 });
    expect(cfg.waivers).toEqual([
      { check: 'RG-RUN-003', subject: 'runner:dind-*', reason: 'DinD builds, protected branches only', expires: '2026-12-31' },
    ]);
    expect(cfg.github.runner_dirs).toEqual(['/home/gh/actions-runner']);
  });

  it('names file:line for an unknown key (a typo must not silently disable a check)', () => {
    expect(err('[agent]\nstate_dir = "/x"\n\n[remediations]\nenabled = ["RG-RUN-002"]\n')).toBe(
      '/etc/runnerguard/config.toml:5: unknown key "enabled" in [remediations] (expected one of: enable)',
    );
  });

  it('names file:line and the expected type for a wrong type', () => {
    expect(err('[checks.RG-BUILD-001]\nmax_age_hours = "24"\n')).toBe(
      '/etc/runnerguard/config.toml:2: checks.RG-BUILD-001.max_age_hours: expected an integer, got a string',
    );
    expect(err('[egress]\nallow = "10.0.0.0/8"\n')).toMatch(/:2: egress\.allow: expected an array of strings, got a string/);
  });

  it('rejects unknown sections, unknown checks and incomplete waivers with their line', () => {
    expect(err('\n[agnet]\nstate_dir = "/x"\n')).toMatch(/:2: unknown key "agnet"/);
    expect(err('[checks.RG-NOPE-001]\nx = 1\n')).toMatch(/:1: unknown check "RG-NOPE-001"/);
    expect(err('[[waivers]]\ncheck = "RG-RUN-003"\n[[waivers]]\ncheck = "RG-RUN-004"\nreason = "x"\nexpires = "soon"\n')).toMatch(
      /:1: \[waivers\.0\] is missing the required key "reason"/,
    );
    expect(err('[[waivers]]\ncheck = "RG-RUN-004"\nreason = "x"\nexpires = "soon"\n')).toMatch(/:4: waivers\.0\.expires: expected a date/);
  });

  it('reports malformed TOML with its line', () => {
    expect(err('[agent]\nstate_dir = "/x"\nschedule = \n')).toMatch(/^\/etc\/runnerguard\/config.toml:3: invalid TOML: /);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-config-'));
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string | Buffer, mode = 0o600, uid = 0): Promise<string> {
    const p = path.join(dir, name);
    await fsp.writeFile(p, text);
    await fsp.chmod(p, mode);
    await fsp.chown(p, uid, 0);
    return p;
  }

  it('refuses a config writable by non-root', async () => {
    const p = await write('group-writable.toml', '[agent]\n', 0o664);
    await expect(loadConfig(p)).rejects.toThrow(/refused: writable by non-root \(owner uid 0, mode 0664\)/);
    const q = await write('user-owned.toml', '[agent]\n', 0o600, 1000);
    await expect(loadConfig(q)).rejects.toThrow(/refused: writable by non-root \(owner uid 1000/);
  });

  it('missing default means defaults; missing explicit file is an error', async () => {
    await expect(loadConfig(path.join(dir, 'absent.toml'))).rejects.toThrow(/absent\.toml: no such file/);
  });

  it('binary garbage and directories are refused with the file name', async () => {
    const p = await write('garbage.toml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    await expect(loadConfig(p)).rejects.toThrow(/garbage\.toml: binary data, not TOML/);
    await expect(loadConfig(dir)).rejects.toThrow(/not a regular file/);
  });
});
