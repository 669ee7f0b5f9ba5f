import { BlockList, isIP } from 'node:net';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { argValue, gitlabFacts, type GitlabFacts, type TomlTable } from '../../agent/facts/gitlab.js';
import { splitCommandLine, unitValue, unitValues } from '../../agent/facts/systemd.js';
import { REF } from '../references.js';
import { configEvidence, type SettingEvidence } from './config-evidence.js';
import { doubtPass } from '../unit-doubt.js';
import { NO_RUNNER } from './runners.js';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Host part of "host:port", "[v6]:port", ":port", a bare host or a bare IPv6 address ('' = every address). */
export function listenHost(addr: string): string {
  const a = addr.trim();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(a);
  if (bracketed) return bracketed[1]!;
  const colons = a.split(':').length - 1;
  if (colons > 1) return a; // an unbracketed IPv6 address carries no port
  return colons === 1 ? a.slice(0, a.indexOf(':')) : a;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped and spelled out), localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '').replace(/%.*$/, '');
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

function describeBinding(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return 'every address of the host';
  return isIP(host.replace(/%.*$/, '')) ? host : `the host name ${host}`;
}

interface Listener {
  subject: 'listen_address' | 'session_server.listen_address';
  address: string;
  evidence: string[];
  what: string;
}

/**
 * The metrics server's address: `run --listen-address` or LISTEN_ADDRESS in
 * the unit override listen_address of config.toml (gitlab-runner does so).
 */
function metricsListener(facts: GitlabFacts, doc: TomlTable, ev: SettingEvidence): Listener | null {
  const what = 'the metrics and debug server (/metrics, /debug/pprof, /debug/jobs/list, no authentication)';
  const unit = facts.unit;
  if (unit) {
    const arg = argValue(splitCommandLine(unitValue(unit, 'Service', 'ExecStart') ?? ''), '--listen-address');
    const env = unitValues(unit, 'Service', 'Environment')
      .flatMap((v) => splitCommandLine(v))
      .filter((w) => w.startsWith('LISTEN_ADDRESS='))
      .map((w) => w.slice('LISTEN_ADDRESS='.length))
      .at(-1);
    const override = arg ? { address: arg, how: `ExecStart --listen-address ${JSON.stringify(arg)}` } : env ? { address: env, how: `Environment=LISTEN_ADDRESS=${env}` } : null;
    if (override) {
      const where = `${unit.path}${unit.dropIns.length ? ` (+ ${unit.dropIns.join(', ')})` : ''}`;
      return { subject: 'listen_address', address: override.address, what, evidence: [`${where}: ${override.how} (overrides config.toml)`, ev.global(['listen_address'], doc.listen_address)] };
    }
  }
  const value = doc.listen_address;
  if (typeof value !== 'string' || value.trim() === '') return null;
  return { subject: 'listen_address', address: value, what, evidence: [ev.global(['listen_address'], value)] };
}

function sessionListener(doc: TomlTable, ev: SettingEvidence): Listener | null {
  const table = doc.session_server;
  const value = table && typeof table === 'object' && !Array.isArray(table) ? (table as TomlTable).listen_address : undefined;
  if (typeof value !== 'string' || value.trim() === '') return null;
  return {
    subject: 'session_server.listen_address',
    address: value,
    what: 'the session server (interactive web terminals into running jobs)',
    evidence: [ev.global(['session_server', 'listen_address'], value)],
  };
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-013',
    title: 'Runner metrics/debug listener is local',
    severity: 'high',
    area: 'runner',
    rationale:
      'listen_address serves Prometheus /metrics and Go /debug/pprof without authentication: anyone who reaches it learns job, project and runner details and can profile (and slow) the runner. The session server opens interactive terminals into running jobs. Bound beyond loopback, both are open to every machine that can reach the host, including the jobs of other runners.',
    references: [REF.glMonitoring, REF.glSessionServer, REF.glNetworkSegmentation, REF.lessonNetwork],
    reads: ['runner config.toml: top-level listen_address, [session_server] listen_address', 'gitlab-runner.service (+ drop-ins): ExecStart --listen-address, Environment=LISTEN_ADDRESS'],
    remediation: {
      summary:
        'Bind listen_address to 127.0.0.1:9252 and let Prometheus scrape through a local agent or an authenticating proxy; remove [session_server] listen_address unless you use interactive web terminals, and then firewall its port to the GitLab server only.',
    },
  },
  async run(ctx) {
    const facts = await ctx.facts.get(gitlabFacts);
    if (!facts) return [verdict.skip('gitlab-runner', NO_RUNNER)];
    const cfg = facts.config;
    if (!cfg.ok) {
      if (cfg.missing) return [verdict.skip(facts.configPath, `GitLab Runner is installed but has no config at ${facts.configPath}`)];
      return [verdict.error(facts.configPath, cfg.error)];
    }
    const ev = await configEvidence(ctx);
    const listeners = [metricsListener(facts, cfg.doc, ev), sessionListener(cfg.doc, ev)].filter((l): l is Listener => l !== null);
    if (listeners.length === 0) {
      return [
        doubtPass(
          verdict.pass('listen_address', 'no metrics/debug server and no session server is configured', [
            ev.global(['listen_address'], undefined),
            ev.global(['session_server', 'listen_address'], undefined),
          ]),
          facts.unit,
        ),
      ];
    }
    return listeners.map((l): FindingDraft => {
      const host = listenHost(l.address);
      // The unit's ExecStart=/Environment= may set the address: a pass needs all of it read.
      if (isLoopback(host)) return doubtPass(verdict.pass(l.subject, `${l.what} listens on loopback only (${l.address})`, l.evidence), facts.unit);
      return verdict.fail(l.subject, `${l.what} listens on ${describeBinding(host)} (${JSON.stringify(l.address)}): reachable by anyone who can reach the host`, l.evidence);
    });
  },
});
