import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { gitlabFacts } from '../../agent/facts/gitlab.js';
import { REF } from '../references.js';
import { NO_RUNNER } from './runners.js';

/** Host part of "host:port", "[v6]:port" or ":port" (empty = every address). */
export function listenHost(addr: string): string {
  const a = addr.trim();
  const v6 = /^\[([^\]]*)\](:\d+)?$/.exec(a);
  if (v6) return v6[1]!;
  const i = a.lastIndexOf(':');
  return i >= 0 && /^\d*$/.test(a.slice(i + 1)) ? a.slice(0, i) : a;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export default defineCheck({
  meta: {
    id: 'RG-RUN-013',
    title: 'Runner metrics/debug listener is local',
    severity: 'high',
    area: 'runner',
    rationale:
      'listen_address serves /metrics and /debug/pprof without authentication, and the session server opens interactive web terminals into jobs; bound to a network address they are open to anyone who can reach the host.',
    references: [REF.glMonitoring, REF.glAdvancedConfig, REF.glNetworkSegmentation],
    reads: ['runner config.toml: top-level listen_address, [session_server] listen_address'],
    remediation: { summary: 'Bind listen_address to 127.0.0.1 (scrape through a local proxy or node_exporter) and the session server to an internal address behind TLS, or remove them.' },
  },
  async run(ctx) {
    const facts = await ctx.facts.get(gitlabFacts);
    if (!facts) return [verdict.skip('gitlab-runner', NO_RUNNER)];
    if (!facts.config.ok) {
      if (facts.config.missing) return [verdict.skip(facts.configPath, `GitLab Runner is installed but has no config at ${facts.configPath}`)];
      return [verdict.error(facts.configPath, facts.config.error)];
    }
    const doc = facts.config.doc;
    const session = doc.session_server && typeof doc.session_server === 'object' ? (doc.session_server as Record<string, unknown>) : {};
    const listeners: Array<[string, unknown]> = [
      ['listen_address', doc.listen_address],
      ['session_server.listen_address', session.listen_address],
    ];
    const out: FindingDraft[] = [];
    for (const [subject, value] of listeners) {
      if (typeof value !== 'string' || value === '') continue;
      const host = listenHost(value);
      if (isLoopback(host)) out.push(verdict.pass(subject, `bound to loopback (${value})`));
      else out.push(verdict.fail(subject, `${subject === 'listen_address' ? 'metrics and pprof endpoints' : 'job terminal sessions'} listen on ${host === '' || host === '0.0.0.0' || host === '::' ? 'every address' : host} (${value})`, [`${subject} = "${value}"`]));
    }
    if (out.length === 0) return [verdict.pass('listen_address', 'no metrics or session listener configured')];
    return out;
  },
});
