// Principle 4 of issue 11 for delivery, against the real HTTPS collector (mutual
// TLS, token): a spool entry is sent only when it is a regular file root owns,
// and a CA file uid 999 could write stops the command (exit 2) before a single
// byte, or even a TCP connection, reaches the collector.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { Collector } from '../helpers/collector.js';
import { stopAndRemove, useDeliveryHost, writeDeliveryConfig } from '../helpers/delivery-fixture.js';

const HINT = 'runnerguard uses it only when root owns it and every directory above it, and no other user can write them';
const host = useDeliveryHost();
let work: string;
let collector: Collector;

afterEach(() => stopAndRemove(collector, work));

async function setup(ca = host.pki.caCert): Promise<{ config: string; state: string }> {
  collector = new Collector(host.pki);
  await collector.start();
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-delivery-trust-'));
  return writeDeliveryConfig(work, { url: collector.url, pki: host.pki, token: collector.tokenValue, ca });
}

const spoolName = (i: number, id = randomUUID()) => `${String(Date.now() - 60_000 + i).padStart(13, '0')}-${String(i).padStart(6, '0')}-${id}.json`;
const logLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('spool entries: only a regular file root owns is ever sent', () => {
  it('a link to a root-only file (a job\'s or root\'s) and a report file uid 999 owns are set aside unsent; the real report goes', async () => {
    const { config, state } = await setup();
    const spool = path.join(state, 'spool');
    await fsp.mkdir(spool, { recursive: true, mode: 0o700 });
    // A root-only file that would pass for a report: what the old code read through the link and POSTed.
    const secretDir = path.join(work, 'root-only');
    await fsp.mkdir(secretDir, { mode: 0o700 });
    const SECRET = `ROOT-ONLY-${randomUUID()}`;
    const secretFile = path.join(secretDir, 'shadow.json');
    await fsp.writeFile(secretFile, JSON.stringify({ id: randomUUID(), schema: 'runnerguard/report@1', secret: SECRET }), { mode: 0o600 });
    const theirLink = spoolName(1);
    await fsp.symlink(secretFile, path.join(spool, theirLink));
    await fsp.lchown(path.join(spool, theirLink), 999, 999);
    const rootLink = spoolName(2);
    await fsp.symlink(secretFile, path.join(spool, rootLink));
    const FORGED = `FORGED-${randomUUID()}`;
    const theirFile = spoolName(3);
    await fsp.writeFile(path.join(spool, theirFile), JSON.stringify({ id: randomUUID(), schema: 'runnerguard/report@1', forged: FORGED }), { mode: 0o644 });
    await fsp.chown(path.join(spool, theirFile), 999, 999);

    const d = await runCli(host.bundle, ['deliver', '--config', config], { env: { RUNNERGUARD_LOG_LEVEL: 'info' } });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toBe("delivered 0, set aside 0, not sent (not root's regular files) 3, still spooled 0\nspool/rejected holds 3 report(s): fix the config, then runnerguard deliver --retry-rejected\n");
    expect(collector.requests).toBe(0);
    const refusals = logLines(d.stderr).filter((l) => l.msg === 'spool entry is not a regular file root owns: set aside in spool/rejected, not sent');
    expect(refusals.map((l) => [l.file, l.reason])).toEqual([
      [theirLink, `${spool}/${theirLink} is a symlink owned by uid 999`],
      [rootLink, `${spool}/${rootLink} is a symlink owned by uid 0`],
      [theirFile, `${spool}/${theirFile} is owned by uid 999 (mode 0644)`],
    ]);

    const r = await runCli(host.bundle, ['run', '--root', host.root.root, '--config', config], { env: { RUNNERGUARD_LOG_LEVEL: 'info' } });
    expect([0, 1], r.stderr).toContain(r.code);
    const last = JSON.parse(await fsp.readFile(path.join(state, 'last-report.json'), 'utf8')) as { id: string };
    expect(collector.ids()).toEqual([last.id]);
    for (const body of collector.bodies) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(FORGED);
    }
    // Kept for a person to look at, the links moved as links; the secret file untouched.
    const rejected = await fsp.readdir(path.join(spool, 'rejected'));
    for (const n of [theirLink, rootLink, theirFile]) expect(rejected).toContain(n);
    expect((await fsp.lstat(path.join(spool, 'rejected', rootLink))).isSymbolicLink()).toBe(true);
    expect(await fsp.readFile(path.join(spool, 'rejected', `${theirLink}.reason`), 'utf8')).toContain('not sent: spool entry');
    expect(JSON.parse(await fsp.readFile(secretFile, 'utf8')).secret).toBe(SECRET);
  });
});

describe('ca_file: used only when root controls it', () => {
  for (const [name, make] of [
    ['owned by uid 999', async (ca: string) => fsp.chown(ca, 999, 999)],
    ['group- and world-writable', async (ca: string) => fsp.chmod(ca, 0o666)],
    ['root\'s, in a dir uid 999 owns', async (ca: string) => fsp.chown(path.dirname(ca), 999, 999)],
  ] as const) {
    it(`${name}: run and deliver exit 2 with the path and the reason; the collector sees no connection`, async () => {
      const caDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-ca-'));
      try {
        await fsp.chmod(caDir, 0o755);
        const ca = path.join(caDir, 'ca.pem');
        await fsp.copyFile(host.pki.caCert, ca);
        await fsp.chmod(ca, 0o644);
        const { config, state } = await setup(ca);
        // One good run first, so `deliver` has a report that could leak.
        const ok = await runCli(host.bundle, ['run', '--root', host.root.root, '--config', config]);
        expect([0, 1], ok.stderr).toContain(ok.code);
        expect(collector.received).toHaveLength(1);
        collector.script.push({ status: 503 }); // the next report, if any went out, would stay spooled
        await make(ca);
        const before = { connections: collector.connections, requests: collector.requests };
        const spooledBefore = (await fsp.readdir(path.join(state, 'spool'))).filter((n) => n.endsWith('.json'));
        for (const args of [['run', '--root', host.root.root], ['deliver']]) {
          const r = await runCli(host.bundle, [...args, '--config', config]);
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr).toMatch(new RegExp(`^runnerguard: ca_file ${ca}: not trusted: .+; ${HINT}\\n$`));
          expect(r.stderr).toContain(name.includes('dir') ? `${caDir} is owned by uid 999` : name.includes('writable') ? `${ca} is writable by group and others (mode 0666)` : `${ca} is owned by uid 999 (mode 0644)`);
        }
        expect({ connections: collector.connections, requests: collector.requests }).toEqual(before);
        expect((await fsp.readdir(path.join(state, 'spool'))).filter((n) => n.endsWith('.json'))).toEqual(spooledBefore);
      } finally {
        await fsp.rm(caDir, { recursive: true, force: true });
      }
    });
  }
});
