/**
 * Issue 11: "the agent can be flooded and OOM-killed". A job writes 100,000
 * checkouts whose .git/config holds a token; `run` (the real bundle) must
 * finish inside a real cgroup-v1 memory cgroup of 256 MiB (the packaged
 * unit's MemoryMax) with a report, a spool entry and metrics, the aggregate
 * finding carrying the full count, and no OOM kill.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../agent/engine/types.js';
// @ts-expect-error plain ESM shared with the benchmark (bench/flood.mjs)
import { floodConfig, generateFlood, ownMemoryCgroup, runInMemCgroup } from '../../bench/flood-lib.mjs';
import { buildBundle } from '../helpers/cli.js';

const ROOT = '/var/tmp/runnerguard-bench/flood-100000';
const COUNT = 100_000;
const LIMIT = 256 * 1024 * 1024;

describe.skipIf(!ownMemoryCgroup())('run over a 100k credential flood in a 256 MiB memory cgroup', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = buildBundle();
    generateFlood(ROOT, COUNT);
  });

  it('completes with a report, a spool entry and metrics; the aggregate counts all 100000; no OOM kill', async () => {
    const work = fileURLToPath(new URL(`../../.cache/flood-${process.pid}`, import.meta.url));
    rmSync(work, { recursive: true, force: true });
    const cfg = floodConfig(work);
    try {
      const r = await runInMemCgroup([process.execPath, bundle, 'run', '--root', ROOT, '--config', cfg.file, '--only', 'RG-BUILD-001,RG-BUILD-002,RG-SSH-001'], LIMIT);
      expect(r.signal, r.stderr.slice(-2000)).toBeNull();
      expect(r.oomKills).toBe(0);
      expect(r.underOom).toBe(0);
      const report = JSON.parse(readFileSync(`${cfg.stateDir}/last-report.json`, 'utf8')) as Report;
      // findings at or above low: the audit's exit code, not a crash (3) or a kill
      expect(r.code, `${JSON.stringify(report.summary)}\n${r.stderr.slice(-3000)}`).toBe(1);
      const spooled = readdirSync(`${cfg.stateDir}/spool`).filter((n) => n.endsWith('.json'));
      expect(spooled).toHaveLength(1);
      expect(readFileSync(cfg.metrics, 'utf8')).toMatch(/runnerguard_/);
      const creds = report.findings.filter((f) => f.check === 'RG-BUILD-002');
      expect(creds.filter((f) => f.status === 'fail' && f.subject.startsWith('/'))).toHaveLength(100);
      const agg = creds.find((f) => f.subject === 'more:path')!;
      expect(agg.status).toBe('fail');
      expect(agg.severity).toBe('high');
      expect(agg.evidence).toContain(`count ${COUNT - 100}`);
      // listed plus aggregated: every one of the 100000 is accounted for
      expect(creds.filter((f) => f.status === 'fail' && f.subject.startsWith('/')).length + Number(/^count (\d+)$/.exec(agg.evidence[0]!)![1])).toBe(COUNT);
      expect(report.findings.find((f) => f.check === 'RG-BUILD-001')?.message).toMatch(/^100000 job dir\(s\)/);
      console.log(`flood: peak ${(r.maxUsageBytes / 1048576).toFixed(1)} MiB (cgroup, incl. page cache), failcnt ${r.failcnt}, ${(r.wallMs / 1000).toFixed(1)} s`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
