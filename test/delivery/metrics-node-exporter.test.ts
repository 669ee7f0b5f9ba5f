import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { freePort } from '../helpers/net.js';

let bundle: string;
let root: FixtureTree;
let work: string;
let exporter: ChildProcess | undefined;

async function scrape(port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    try {
      return execFileSync('curl', ['-fsS', '--max-time', '5', `http://127.0.0.1:${port}/metrics`]).toString();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('node_exporter did not answer');
}

beforeAll(async () => {
  bundle = buildBundle();
  root = await FixtureTree.create();
  await root.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
  await root.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "r \\"quoted\\""\n  executor = "docker"\n  [runners.docker]\n    privileged = true\n', { mode: 0o644 });
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-metrics-'));
});
afterAll(async () => {
  exporter?.kill('SIGKILL');
  await root.remove();
  await fsp.rm(work, { recursive: true, force: true });
});

describe('Prometheus textfile scraped by a real prometheus-node-exporter', () => {
  it('exposes our series with node_textfile_scrape_error 0', async () => {
    const textdir = path.join(work, 'textfile');
    await fsp.mkdir(textdir);
    const config = path.join(work, 'config.toml');
    await fsp.writeFile(config, `[agent]\nstate_dir = "${work}/state"\n[metrics]\ntextfile = "${textdir}/runnerguard.prom"\n`, { mode: 0o600 });
    const r = await runCli(bundle, ['run', '--root', root.root, '--config', config]);
    expect(r.code).toBe(1); // privileged runner and a world-readable config fail
    const port = await freePort();
    exporter = spawn('prometheus-node-exporter', [
      `--web.listen-address=127.0.0.1:${port}`,
      `--collector.textfile.directory=${textdir}`,
      '--no-collector.systemd',
      '--collector.disable-defaults',
      '--collector.textfile',
    ], { stdio: 'ignore' });
    const body = await scrape(port);
    expect(body).toMatch(/^node_textfile_scrape_error 0$/m);
    expect(body).toMatch(/^runnerguard_finding\{check="RG-RUN-003",severity="critical",status="fail",subject="runner:r \\"quoted\\"",waived="false"\} 1$/m);
    expect(body).toMatch(/^runnerguard_score \d+$/m);
    expect(body).toMatch(/^runnerguard_last_run_timestamp_seconds \d/m);
    expect(body).toMatch(/^runnerguard_spool_reports 0$/m);
    expect(body).toMatch(/^runnerguard_reports_dropped_total 0$/m);
    // The file is replaced atomically: a second run while the exporter reads never yields a scrape error.
    await runCli(bundle, ['run', '--root', root.root, '--config', config]);
    expect(await scrape(port)).toMatch(/^node_textfile_scrape_error 0$/m);
  });
});
