import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { freePort } from '../helpers/net.js';

// A small fleet on the real engines: fixture hosts audited by the built CLI
// (audit --root ... --format prometheus --output), one real
// prometheus-node-exporter per host running as user prometheus over its
// textfile, and a real Prometheus scraping them every second with the
// shipped rules. Which alerts fire, for which instance, is the assertion.

const RULES = path.resolve(__dirname, '../../packaging/prometheus/runnerguard.rules.yml');
/** A name a job chose (the runner config in its home is the job's to write). */
const HOSTILE = 'pwn"} 1\nrunnerguard_check_findings{severity="critical",status="fail"} 9\n}';

type HostName = 'critical' | 'waived' | 'clone-a' | 'clone-b' | 'clean';
interface Host {
  name: HostName;
  tree: FixtureTree;
  textdir: string;
  port: number;
  exporter?: ChildProcess;
}

let bundle: string;
let work: string;
const hosts: Host[] = [];
let prometheus: ChildProcess | undefined;
let promPort = 0;

const asPrometheus = ['setpriv', '--reuid=prometheus', '--regid=prometheus', '--init-groups', '--inh-caps=-all', '--'];

async function get(url: string): Promise<string | null> {
  const r = spawnSync('curl', ['-fsS', '--max-time', '5', url], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : null;
}

/** GET /api/v1/<endpoint>, with a PromQL `query` URL-encoded when given. */
async function api<T>(endpoint: string, query?: string): Promise<T> {
  const body = await get(`http://127.0.0.1:${promPort}/api/v1/${endpoint}${query === undefined ? '' : `?query=${encodeURIComponent(query)}`}`);
  if (body === null) throw new Error(`prometheus did not answer ${endpoint} ${query ?? ''}`);
  return (JSON.parse(body) as { data: T }).data;
}

/** A runner host: a gitlab-runner service user, its config (in its home: the job's to write). */
async function runnerHost(name: HostName, runners: Array<{ name: string; token: string; privileged?: boolean }>): Promise<FixtureTree> {
  const t = await FixtureTree.create(`rg-fleet-${name}-`);
  await t.file('/etc/hostname', `${name}\n`);
  await t.useradd('gitlab-runner', { uid: 999 });
  await t.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
  const toml = runners.map((r) => `[[runners]]\n  name = ${JSON.stringify(r.name)}\n  token = "${r.token}"\n  executor = "docker"\n  [runners.docker]\n    privileged = ${Boolean(r.privileged)}\n`).join('');
  await t.file('/etc/gitlab-runner/config.toml', toml, { mode: 0o600 });
  return t;
}

beforeAll(async () => {
  bundle = buildBundle();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-fleet-'));
  await fsp.chmod(work, 0o755); // node_exporter (user prometheus) walks into the textfile dirs
  const trees: Record<HostName, FixtureTree> = {
    critical: await runnerHost('critical', [{ name: HOSTILE, token: 'glrt-critical-0123456789', privileged: true }]),
    waived: await runnerHost('waived', [{ name: 'dind', token: 'glrt-waived-0123456789', privileged: true }]),
    'clone-a': await runnerHost('clone-a', [{ name: 'build', token: 'glrt-cloned-0123456789' }]),
    'clone-b': await runnerHost('clone-b', [{ name: 'build-copy', token: 'glrt-cloned-0123456789' }]),
    clean: await runnerHost('clean', [{ name: 'own', token: 'glrt-clean-0123456789' }]),
  };
  await Promise.all(
    (Object.keys(trees) as HostName[]).map(async (name) => {
      const dir = path.join(work, name);
      const textdir = path.join(dir, 'textfile');
      await fsp.mkdir(textdir, { recursive: true, mode: 0o755 });
      await fsp.chmod(dir, 0o755);
      await fsp.chmod(textdir, 0o755);
      // Each host its own state dir (none yet: nothing spooled) and, on `waived`, a waiver for every critical check.
      const waivers = name === 'waived' ? '[[waivers]]\ncheck = "RG-RUN-003"\nreason = "DinD builds, protected branches only"\n' : '';
      const config = path.join(dir, 'config.toml');
      await fsp.writeFile(config, `[agent]\nstate_dir = "${dir}/state"\n${waivers}`, { mode: 0o600 });
      const r = await runCli(bundle, ['audit', '--root', trees[name].root, '--config', config, '--format', 'prometheus', '--output', path.join(textdir, 'runnerguard.prom')]);
      if (r.stderr) throw new Error(`audit of ${name}: ${r.stderr}`);
      hosts.push({ name, tree: trees[name], textdir, port: await freePort() });
    }),
  );
  for (const h of hosts) {
    h.exporter = spawn(asPrometheus[0]!, [...asPrometheus.slice(1), '/usr/bin/prometheus-node-exporter', `--web.listen-address=127.0.0.1:${h.port}`, '--collector.disable-defaults', '--no-collector.systemd', '--collector.textfile', `--collector.textfile.directory=${h.textdir}`], { stdio: 'ignore' });
  }
  promPort = await freePort();
  const promDir = path.join(work, 'prometheus');
  await fsp.mkdir(path.join(promDir, 'data'), { recursive: true });
  const targets = hosts.map((h) => `      - targets: ['127.0.0.1:${h.port}']\n        labels: { host: '${h.name}' }`).join('\n');
  await fsp.writeFile(path.join(promDir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${RULES}\nscrape_configs:\n  - job_name: node\n    static_configs:\n${targets}\n`);
  execFileSync('chown', ['-R', 'prometheus:prometheus', promDir]);
  await fsp.chmod(promDir, 0o755);
  prometheus = spawn(asPrometheus[0]!, [...asPrometheus.slice(1), '/usr/bin/prometheus', `--config.file=${promDir}/prometheus.yml`, `--storage.tsdb.path=${promDir}/data`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: 'ignore' });
}, 120_000);

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  for (const h of hosts) h.exporter?.kill('SIGKILL');
  for (const h of hosts) await h.tree.remove();
  if (work) await fsp.rm(work, { recursive: true, force: true });
  if (bundle) await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});

interface Alert {
  labels: Record<string, string>;
  state: string;
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Firing alerts as `alertname host`, once every target was scraped and the set stayed the same for 3 s (3 evaluations). */
async function settledAlerts(): Promise<string[]> {
  const hostOf = new Map(hosts.map((h) => [`127.0.0.1:${h.port}`, h.name]));
  let last = '';
  let same = 0;
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      const up = await api<{ result: Sample[] }>('query', 'up');
      if (up.result.filter((s) => s.value[1] === '1').length < hosts.length) continue;
      const { alerts } = await api<{ alerts: Alert[] }>('alerts');
      const firing = alerts.filter((a) => a.state === 'firing').map((a) => `${a.labels.alertname} ${hostOf.get(a.labels.instance!) ?? a.labels.instance}`).sort();
      const key = JSON.stringify(firing);
      same = key === last ? same + 1 : 0;
      last = key;
      if (firing.length > 0 && same >= 6) return firing;
    } catch {
      // not up yet
    }
  }
  throw new Error(`alerts did not settle (last: ${last})`);
}

describe('a fleet of fixture hosts behind real node_exporters and a real Prometheus with the shipped rules', () => {
  it('node_exporters and Prometheus run as user prometheus (the textfile is read as another user than its writer)', async () => {
    const uid = execFileSync('id', ['-u', 'prometheus']).toString().trim();
    for (const p of [prometheus!, ...hosts.map((h) => h.exporter!)]) {
      const status = await fsp.readFile(`/proc/${p.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)![1]).toBe(uid);
    }
  });

  it('the textfiles made by the CLI pass promtool check metrics, job-chosen runner name included', async () => {
    for (const h of hosts) {
      const text = await fsp.readFile(path.join(h.textdir, 'runnerguard.prom'), 'utf8');
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect({ host: h.name, code: r.status, out: r.stdout + r.stderr }).toEqual({ host: h.name, code: 0, out: '' });
      expect(((await fsp.stat(path.join(h.textdir, 'runnerguard.prom'))).mode & 0o777).toString(8)).toBe('644');
    }
  });

  it('RunnerguardCriticalFinding fires for the unwaived host only, RunnerguardClonedRunnerToken for the two sharing a token; nothing else', async () => {
    const firing = await settledAlerts();
    const byAlert = (name: string) => [...new Set(firing.filter((f) => f.startsWith(`${name} `)).map((f) => f.split(' ')[1]))].sort();
    expect(byAlert('RunnerguardCriticalFinding')).toEqual(['critical']);
    expect(byAlert('RunnerguardClonedRunnerToken')).toEqual(['clone-a', 'clone-b']);
    expect(firing.filter((f) => !/^Runnerguard(CriticalFinding|ClonedRunnerToken) /.test(f))).toEqual([]);
    // The waived host's critical failures are counted as waived, not as failures.
    const waived = await api<{ result: Sample[] }>('query', 'runnerguard_findings_waived{host="waived",status="fail"}');
    expect(Number(waived.result[0]!.value[1])).toBeGreaterThan(0);
    const hostsCritical = await api<{ result: Sample[] }>('query', 'runnerguard:hosts_with_critical_failures:count');
    expect(hostsCritical.result[0]!.value[1]).toBe('1');
  });

  it('node_textfile_scrape_error is 0 on every host; the job-chosen name is one label value, no series of its own', async () => {
    const errors = await api<{ result: Sample[] }>('query', 'node_textfile_scrape_error');
    expect(errors.result.map((s) => [s.metric.host, s.value[1]]).sort()).toEqual(hosts.map((h) => [h.name, '0']).sort());
    const info = await api<{ result: Sample[] }>('query', 'runnerguard_runner_info{host="critical"}');
    expect(info.result.map((s) => s.metric.runner)).toEqual([HOSTILE.replace(/\n/g, '\\n')]);
    const injected = await api<{ result: Sample[] }>('query', 'runnerguard_check_findings{check=""}');
    expect(injected.result).toEqual([]);
  });
});
