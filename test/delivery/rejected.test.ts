// issue 12 part 3: spool/rejected/ is bounded (count and bytes, oldest first)
// and counted; `deliver --retry-rejected` sends its reports again after a
// config fix. Against the real HTTPS collector (mutual TLS, token); a wrong
// token is what sends a whole fleet's reports there.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOB_UID } from '../helpers/attack.js';
import { runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { stopAndRemove, useDeliveryHost, writeDeliveryConfig } from '../helpers/delivery-fixture.js';

const host = useDeliveryHost();
let work: string;
let collector: Collector;

afterEach(() => stopAndRemove(collector, work));

async function setup(token: string, extra: string): Promise<{ config: string; state: string; tokenFile: string }> {
  collector = new Collector(host.pki);
  await collector.start();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-rejected-'));
  const { config, state, token: tokenFile } = await writeDeliveryConfig(work, { url: collector.url, pki: host.pki, token, extra });
  return { config, state, tokenFile };
}

const run = (config: string) => runCli(host.bundle, ['run', '--root', host.root.root, '--config', config, '--only', 'RG-RUN-001,RG-RUN-004'], { env: { RUNNERGUARD_LOG_LEVEL: 'info' } });
const lastId = async (state: string) => (JSON.parse(await fsp.readFile(path.join(state, 'last-report.json'), 'utf8')) as { id: string }).id;
const jsonIn = async (dir: string) => (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
const logLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const spoolName = (i: number, id = randomUUID()) => `${String(Date.now() - 60_000 + i).padStart(13, '0')}-${String(i).padStart(6, '0')}-${id}.json`;

describe('spool/rejected: bounded, counted, retried after a config fix', () => {
  it('a wrong token: 401s kept up to rejected_max_reports (oldest dropped, counted); --retry-rejected after the fix delivers them oldest first', async () => {
    const { config, state, tokenFile } = await setup('wrong-token', 'rejected_max_reports = 2\n');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(config);
      expect([0, 1], r.stderr).toContain(r.code);
      ids.push(await lastId(state));
      if (i === 2) expect(logLines(r.stderr).filter((l) => l.msg === 'spool/rejected full: dropped the oldest rejected report')).toHaveLength(1);
    }
    expect(collector.requests).toBe(3);
    expect(collector.received).toHaveLength(0);
    const rejectedDir = path.join(state, 'spool', 'rejected');
    // The two newest stay, each with its reason; the oldest went with its reason.
    expect((await jsonIn(rejectedDir)).map((n) => n.slice(-41, -5))).toEqual(ids.slice(1));
    expect((await fsp.readdir(rejectedDir)).filter((n) => n.endsWith('.reason'))).toHaveLength(2);
    expect(await fsp.readFile(path.join(state, 'rejected-dropped'), 'utf8')).toBe('1\n');

    // Still wrong: --retry-rejected moves them back, they are refused again, and the count holds.
    const again = await runCli(host.bundle, ['deliver', '--retry-rejected', '--config', config]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('moved back from spool/rejected 2\ndelivered 0, set aside 2, still spooled 0\nspool/rejected holds 2 report(s): fix the config, then runnerguard deliver --retry-rejected\n');

    await fsp.writeFile(tokenFile, `${collector.tokenValue}\n`, { mode: 0o600 });
    const plain = await runCli(host.bundle, ['deliver', '--config', config]);
    expect(plain.stdout).toContain('delivered 0, set aside 0, still spooled 0\nspool/rejected holds 2 report(s)');
    const fixed = await runCli(host.bundle, ['deliver', '--retry-rejected', '--config', config]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toBe('moved back from spool/rejected 2\ndelivered 2, set aside 0, still spooled 0\n');
    expect(collector.ids()).toEqual(ids.slice(1));
    expect(await jsonIn(rejectedDir)).toEqual([]);
    expect((await fsp.readdir(rejectedDir)).filter((n) => n.endsWith('.reason'))).toEqual([]);
  });

  it('rejected_max_bytes: a report that would take it over the byte bound drops the oldest', async () => {
    const { config, state } = await setup('wrong-token', '');
    await run(config);
    const rejectedDir = path.join(state, 'spool', 'rejected');
    const [first] = await jsonIn(rejectedDir);
    const one = (await fsp.stat(path.join(rejectedDir, first!))).size + (await fsp.stat(path.join(rejectedDir, `${first}.reason`))).size;
    // Room for one report and its reason, with a margin far below a second one.
    await fsp.appendFile(config, `rejected_max_bytes = ${one + 512}\n`);
    await run(config);
    const left = await jsonIn(rejectedDir);
    expect(left).toHaveLength(1);
    expect(left[0]!.slice(-41, -5)).toBe(await lastId(state));
    expect(await fsp.readFile(path.join(state, 'rejected-dropped'), 'utf8')).toBe('1\n');
    // Bounds lowered, token fixed: the next run applies them though nothing new is rejected.
    await fsp.writeFile(path.join(work, 'token'), `${collector.tokenValue}\n`, { mode: 0o600 });
    await fsp.appendFile(config, 'rejected_max_reports = 0\n');
    await run(config);
    expect(collector.ids()).toEqual([await lastId(state)]);
    expect(await fsp.readdir(rejectedDir)).toEqual([]);
    expect(await fsp.readFile(path.join(state, 'rejected-dropped'), 'utf8')).toBe('2\n');
  });

  it('attacker: links, a job\'s file and a hard link planted in spool/rejected are never moved, followed or sent; dropping one unlinks the link only', async () => {
    const { config, state } = await setup('test-token-0123456789', 'rejected_max_reports = 4\n');
    const rejectedDir = path.join(state, 'spool', 'rejected');
    await fsp.mkdir(rejectedDir, { recursive: true, mode: 0o700 });
    await fsp.chmod(path.join(state, 'spool'), 0o700);
    const secretDir = path.join(work, 'root-only');
    await fsp.mkdir(secretDir, { mode: 0o700 });
    const SECRET = `ROOT-ONLY-${randomUUID()}`;
    const secretFile = path.join(secretDir, 'shadow.json');
    await fsp.writeFile(secretFile, JSON.stringify({ id: randomUUID(), schema: 'runnerguard/report@1', secret: SECRET, findings: [] }), { mode: 0o600 });
    const theirLink = spoolName(1);
    await fsp.symlink(secretFile, path.join(rejectedDir, theirLink));
    await fsp.lchown(path.join(rejectedDir, theirLink), JOB_UID, JOB_UID);
    const rootLink = spoolName(2);
    await fsp.symlink(secretFile, path.join(rejectedDir, rootLink));
    const FORGED = `FORGED-${randomUUID()}`;
    const theirFile = spoolName(3);
    await fsp.writeFile(path.join(rejectedDir, theirFile), JSON.stringify({ id: randomUUID(), schema: 'runnerguard/report@1', forged: FORGED, findings: [] }), { mode: 0o600 });
    await fsp.chown(path.join(rejectedDir, theirFile), JOB_UID, JOB_UID);
    const hardLink = spoolName(4);
    await fsp.link(secretFile, path.join(rejectedDir, hardLink));

    const d = await runCli(host.bundle, ['deliver', '--retry-rejected', '--config', config], { env: { RUNNERGUARD_LOG_LEVEL: 'info' } });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout.split('\n')[0]).toBe("moved back from spool/rejected 0, left there (not root's regular files) 4");
    expect(collector.connections).toBe(0);
    const refusals = logLines(d.stderr).filter((l) => l.msg === 'rejected entry is not a regular file root owns: left in spool/rejected, not sent');
    expect(refusals.map((l) => [l.file, l.reason])).toEqual([
      [theirLink, `a symlink owned by uid ${JOB_UID}`],
      [rootLink, 'a symlink owned by uid 0'],
      [theirFile, `owned by uid ${JOB_UID}`],
      [hardLink, 'has 2 names (hard links)'],
    ]);
    expect(await jsonIn(path.join(state, 'spool'))).toEqual([]);

    // A real run: its report goes; nothing planted does. The bound (4) then drops the oldest planted
    // entries as reports get rejected: a 400 for the next two runs.
    const r = await run(config);
    expect(collector.ids()).toEqual([await lastId(state)]);
    collector.script.push({ status: 400 }, { status: 400 });
    await run(config);
    await run(config);
    const left = await jsonIn(rejectedDir);
    expect(left).toHaveLength(4);
    expect(left).not.toContain(theirLink);
    expect(left).not.toContain(rootLink);
    for (const body of collector.bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(FORGED);
    }
    // The dropped links were unlinked, not followed: the secret is intact (its hard link kept it at 2 names).
    expect(JSON.parse(await fsp.readFile(secretFile, 'utf8')).secret).toBe(SECRET);
    expect((await fsp.stat(secretFile)).nlink).toBe(2);
    expect([0, 1]).toContain(r.code);
  });
});
