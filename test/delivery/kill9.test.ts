import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { makePki, type Pki } from '../helpers/pki.js';

const ROUNDS = 25;
let bundle: string;
let pki: Pki;
let root: FixtureTree;
let work: string;

beforeAll(async () => {
  bundle = buildBundle();
  pki = makePki();
  root = await FixtureTree.create();
  await root.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "a"\n  executor = "docker"\n', { mode: 0o600 });
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-kill9-'));
});
afterAll(async () => {
  await fsp.rm(pki.dir, { recursive: true, force: true });
  await root.remove();
  await fsp.rm(work, { recursive: true, force: true });
});

function runAndKill(config: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, 'run', '--root', root.root, '--config', config], { stdio: 'ignore' });
    const t = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

describe('kill -9 at random points of run (spooling and delivery)', () => {
  it(`loses no spooled report and leaves nothing corrupt (${ROUNDS} rounds)`, async () => {
    const collector = new Collector(pki);
    await collector.start();
    const token = path.join(work, 'token');
    await fsp.writeFile(token, 'test-token-0123456789\n', { mode: 0o600 });
    const state = path.join(work, 'state');
    const config = path.join(work, 'config.toml');
    await fsp.writeFile(
      config,
      `[agent]\nstate_dir = "${state}"\n[report]\nurl = "${collector.url}"\ntoken_file = "${token}"\nca_file = "${pki.caCert}"\ncert_file = "${pki.clientCert}"\nkey_file = "${pki.clientKey}"\nsplay_max_ms = 0\nretry_base_ms = 20\nmax_attempts = 2\n`,
      { mode: 0o600 },
    );
    // Slow replies widen the window in which a kill lands mid-delivery.
    for (let i = 0; i < ROUNDS * 3; i++) collector.script.push({ status: i % 4 === 0 ? 503 : 200, delayMs: 40 + (i * 37) % 200 });
    const seen = new Set<string>();
    for (let i = 0; i < ROUNDS; i++) {
      await runAndKill(config, 120 + ((i * 97) % 500));
      for (const name of await fsp.readdir(path.join(state, 'spool')).catch(() => [] as string[])) {
        if (!name.endsWith('.json')) continue;
        const text = await fsp.readFile(path.join(state, 'spool', name), 'utf8');
        const report = JSON.parse(text); // a half-written spool file would throw here
        expect(report.schema).toBe('runnerguard/report@1');
        seen.add(report.id);
      }
      const last = await fsp.readFile(path.join(state, 'last-report.json'), 'utf8').catch(() => null);
      if (last !== null) expect(JSON.parse(last).schema).toBe('runnerguard/report@1');
    }
    for (const r of collector.received) seen.add(r.id);
    collector.script.length = 0;
    const d = await runCli(bundle, ['deliver', '--config', config]);
    expect(d.stdout).toMatch(/still spooled 0/);
    const delivered = new Set(collector.received.map((r) => r.id));
    const lost = [...seen].filter((id) => !delivered.has(id));
    expect(lost).toEqual([]);
    expect(seen.size).toBeGreaterThan(0);
    expect((await fsp.readdir(path.join(state, 'spool'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await collector.stop();
  });
});
