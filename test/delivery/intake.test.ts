// issue 14 "Delivery bodies for intakes": [report] format = "ocsf" posts
// NDJSON (one OCSF 1.1 Compliance Finding per line, application/x-ndjson,
// gzip), and [report] auth_scheme sends the token as Splunk HEC or Elastic
// expect it. Both keep the Idempotency-Key, spool, retry and rejected rules.
// The built CLI posts to a real HTTPS receiver on 127.0.0.1 (server TLS only,
// as Splunk HEC and Elastic serve it); each line must validate against the
// OCSF schema fixture.
import https from 'node:https';
import { promises as fsp } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';
import { FixtureTree } from '../helpers/fixture-tree.js';
import { makePki, read, type Pki } from '../helpers/pki.js';
import { expectValidOcsf } from '../report/ocsf-schema.js';

interface Post {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An intake: records every POST (gunzipped) and answers from a script, then 200. */
class Receiver {
  readonly posts: Post[] = [];
  readonly script: number[] = [];
  private server!: https.Server;
  constructor(private readonly pki: Pki) {}
  async start(): Promise<void> {
    this.server = https.createServer({ key: read(this.pki.serverKey), cert: read(this.pki.serverCert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        this.posts.push({ path: req.url ?? '', headers: req.headers, body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8') });
        const status = this.script.shift() ?? 200;
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(status === 200 ? '{"text":"Success","code":0}' : '{"text":"no"}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }
  url(p: string): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}${p}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let bundle: string;
let pki: Pki;
let root: FixtureTree;
let work: string;
let receiver: Receiver;
// A job-chosen runner name with a line break and U+2028: it must not split an NDJSON line into two events.
const HOSTILE = 'evil\n{"class_uid":2003,"forged":true}\u2028x';

beforeAll(async () => {
  bundle = buildBundle();
  pki = makePki();
  root = await FixtureTree.create();
  await root.file('/etc/gitlab-runner/config.toml', `[[runners]]\n  name = ${JSON.stringify(HOSTILE)}\n  executor = "docker"\n  [runners.docker]\n    privileged = true\n`, { mode: 0o600 });
});
afterAll(async () => {
  await fsp.rm(pki.dir, { recursive: true, force: true });
  await root.remove();
  await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
});
afterEach(async () => {
  await receiver?.stop().catch(() => undefined);
  if (work) await fsp.rm(work, { recursive: true, force: true });
});

async function setup(p: string, report: string): Promise<{ config: string; state: string }> {
  receiver = new Receiver(pki);
  await receiver.start();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-intake-'));
  await fsp.writeFile(path.join(work, 'token'), 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff\n', { mode: 0o600 });
  const state = path.join(work, 'state');
  const config = path.join(work, 'config.toml');
  await fsp.writeFile(
    config,
    `[agent]\nstate_dir = "${state}"\n[report]\nurl = "${receiver.url(p)}"\ntoken_file = "${work}/token"\nca_file = "${pki.caCert}"\n` +
      `splay_max_ms = 0\nretry_base_ms = 50\nmax_attempts = 2\ntimeout_ms = 5000\ngzip_min_bytes = 1024\n${report}`,
    { mode: 0o600 },
  );
  return { config, state };
}

const run = (config: string) => runCli(bundle, ['run', '--root', root.root, '--config', config]);
const lastReport = async (state: string) => JSON.parse(await fsp.readFile(path.join(state, 'last-report.json'), 'utf8')) as { id: string; findings: Array<{ check: string; subject: string }> };

describe('delivery bodies for intakes', () => {
  it('Splunk HEC: format "ocsf", auth_scheme "Splunk": gzipped NDJSON, one valid OCSF event per finding, Idempotency-Key the report id', async () => {
    const { config, state } = await setup('/services/collector/raw?sourcetype=ocsf', 'format = "ocsf"\nauth_scheme = "Splunk"\n');
    const r = await run(config);
    expect([0, 1], r.stderr).toContain(r.code);
    expect(receiver.posts).toHaveLength(1);
    const [post] = receiver.posts;
    const report = await lastReport(state);
    expect(post!.path).toBe('/services/collector/raw?sourcetype=ocsf');
    expect(post!.headers.authorization).toBe('Splunk a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    expect(post!.headers['content-type']).toBe('application/x-ndjson');
    expect(post!.headers['content-encoding']).toBe('gzip');
    expect(post!.headers['idempotency-key']).toBe(report.id);
    expectValidOcsf(post!.body);
    const events = post!.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { metadata: { correlation_uid: string }; compliance: { control: string }; resource: { name: string } });
    expect(events).toHaveLength(report.findings.length);
    expect(events.map((e) => e.compliance.control)).toEqual(report.findings.map((f) => f.check));
    expect(new Set(events.map((e) => e.metadata.correlation_uid))).toEqual(new Set([report.id]));
    // The hostile name is inside its event's strings, escaped, and forged no event of its own.
    expect(events.some((e) => JSON.stringify(e).includes('evil'))).toBe(true);
    expect(events.filter((e) => (e as unknown as { forged?: boolean }).forged)).toEqual([]);
    expect(post!.body).not.toContain('\u2028');
  });

  it('Elastic: auth_scheme "ApiKey", the native JSON report (format "json"), as one document', async () => {
    const { config, state } = await setup('/runnerguard/_doc', 'auth_scheme = "ApiKey"\n');
    await run(config);
    const [post] = receiver.posts;
    expect(post!.headers.authorization).toBe('ApiKey a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    expect(post!.headers['content-type']).toBe('application/json');
    const report = await lastReport(state);
    expect(JSON.parse(post!.body)).toMatchObject({ id: report.id, schema: 'runnerguard/report@1' });
    expect(post!.headers['idempotency-key']).toBe(report.id);
  });

  it('ApiKey + ocsf keeps the retry and rejected rules: a 503 is retried with the same key, a 401 is set aside, --retry-rejected sends it as NDJSON again', async () => {
    const { config, state } = await setup('/runnerguard/_bulk', 'format = "ocsf"\nauth_scheme = "ApiKey"\n');
    receiver.script.push(503);
    await run(config);
    expect(receiver.posts.map((p) => p.headers['idempotency-key'])).toEqual(Array(2).fill((await lastReport(state)).id));
    const first = (await lastReport(state)).id;
    receiver.script.push(401);
    await run(config);
    const second = (await lastReport(state)).id;
    expect((await fsp.readdir(path.join(state, 'spool', 'rejected'))).filter((n) => n.endsWith('.json')).map((n) => n.slice(-41, -5))).toEqual([second]);
    const d = await runCli(bundle, ['deliver', '--retry-rejected', '--config', config]);
    expect(d.stdout).toBe('moved back from spool/rejected 1\ndelivered 1, set aside 0, still spooled 0\n');
    const keys = receiver.posts.map((p) => p.headers['idempotency-key']);
    expect(keys).toEqual([first, first, second, second]);
    for (const p of receiver.posts) {
      expect(p.headers['content-type']).toBe('application/x-ndjson');
      expectValidOcsf(p.body);
    }
  });

  it('Bearer stays the default; a token with a line break in it is refused before any request (no header injection), the report stays spooled', async () => {
    const { config, state } = await setup('/loki/api/v1/push', '');
    await run(config);
    expect(receiver.posts[0]!.headers.authorization).toBe('Bearer a1b2c3d4-e5f6-4711-8899-aabbccddeeff');
    await fsp.writeFile(path.join(work, 'token'), 'tok\r\nX-Injected: 1\n', { mode: 0o600 });
    const r = await runCli(bundle, ['run', '--root', root.root, '--config', config]);
    expect(r.stderr).toContain('token_file: the token is empty or holds control characters');
    expect(receiver.posts).toHaveLength(1);
    expect((await fsp.readdir(path.join(state, 'spool'))).filter((n) => n.endsWith('.json'))).toHaveLength(1);
  });
});
