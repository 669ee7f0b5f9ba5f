import { defineFact } from './index.js';
import { processesFact, type ProcessInfo } from './processes.js';
import { serviceUnitsFact, type ServiceUnit } from './service-units.js';
import { splitCommandLine } from './systemd.js';

/** The jars an inbound or SSH-launched agent runs (agent.jar from /jnlpJars, remoting.jar as the SSH launcher copies it, slave.jar before 2.x). */
const AGENT_JARS = new Set(['agent.jar', 'remoting.jar', 'slave.jar']);
/** Main classes of remoting when started with -cp (the inbound-agent image's jenkins-agent script). */
const AGENT_MAINS = new Set(['hudson.remoting.jnlp.Main', 'hudson.remoting.Launcher']);
/** An agent secret as the controller shows it: 64 hex digits (HMAC-SHA256 of the agent name). */
export const SECRET_RE = /^[0-9a-f]{64}$/i;

/** Where an agent's connection secret is given. */
export type AgentSecret =
  | { kind: 'inline'; value: string }
  | { kind: 'file'; path: string }
  | { kind: 'none' };

export interface JenkinsAgent {
  /** `jenkins-agent:<unit name>`, or `jenkins-agent:pid:<pid>` for a process no unit started. */
  subject: string;
  unit?: ServiceUnit;
  /** Running processes of this agent (live host). */
  processes: ProcessInfo[];
  /** The account it runs as: User= of its unit (root when unset), or the process's uid. */
  user: string;
  /** Arguments after the jar or main class, as remoting reads them. */
  args: string[];
  /** Where the command line was read, for evidence ("unit /etc/systemd/system/x.service", "/proc/42/cmdline"). */
  source: string;
  secret: AgentSecret;
  workDir?: string;
  jnlpUrl?: string;
  noCertificateCheck: boolean;
}

/** The remoting arguments of a java command line, or null when it does not start a Jenkins agent. */
export function agentArgs(argv: string[], depth = 0): string[] | null {
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  // A shell wrapper (`sh -c "java -jar agent.jar ..."`): the command is its -c string.
  const c = argv.indexOf('-c');
  if (depth < 2 && c > 0 && /(^|\/)(ba|da)?sh$/.test(argv[0] ?? '') && argv[c + 1]) return agentArgs(splitCommandLine(argv[c + 1]!), depth + 1);
  const java = argv.findIndex((w) => /^java[0-9.]*$/.test(base(w)));
  if (java < 0) return null;
  for (let i = java + 1; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-jar') return argv[i + 1] && AGENT_JARS.has(base(argv[i + 1]!)) ? argv.slice(i + 2) : null;
    if (AGENT_MAINS.has(w) && argv.slice(java, i).some((x) => x.split(':').some((p) => AGENT_JARS.has(base(p))))) return argv.slice(i + 1);
  }
  return null;
}

/** `-opt X` or `-opt=X` (args4j takes both for its single-dash options). */
export function optValue(args: string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === name && args[i + 1] !== undefined) found = args[++i];
    else if (a.startsWith(`${name}=`)) found = a.slice(name.length + 1);
  }
  return found;
}

/**
 * The secret as remoting gets it: `-secret X` (`@file` reads it from a
 * file), or a bare 64-hex word (hudson.remoting.jnlp.Main takes it as its
 * first positional argument).
 */
export function secretOf(args: string[]): AgentSecret {
  const opt = optValue(args, '-secret');
  if (opt !== undefined) return opt.startsWith('@') ? { kind: 'file', path: opt.slice(1) } : { kind: 'inline', value: opt };
  const bare = args.find((a) => SECRET_RE.test(a));
  return bare ? { kind: 'inline', value: bare } : { kind: 'none' };
}

function describe(args: string[], base: Omit<JenkinsAgent, 'args' | 'secret' | 'workDir' | 'jnlpUrl' | 'noCertificateCheck'>): JenkinsAgent {
  return {
    ...base,
    args,
    secret: secretOf(args),
    workDir: optValue(args, '-workDir'),
    jnlpUrl: optValue(args, '-jnlpUrl'),
    noCertificateCheck: args.includes('-noCertificateCheck'),
  };
}

/**
 * Jenkins agents on this host: every service unit (system or user) whose
 * command runs remoting (agent.jar, remoting.jar, or its main class), and
 * on a live host every process doing so (bounded /proc read), matched to
 * its unit by cgroup. The secret of each is registered so no output shows it.
 */
export const jenkinsAgentsFact = defineFact<JenkinsAgent[]>('jenkins-agents', async (env) => {
  const [units, procs, users] = await Promise.all([env.facts.get(serviceUnitsFact), env.facts.get(processesFact), env.host.users()]);
  const agents: JenkinsAgent[] = [];
  const byUnit = new Map<string, JenkinsAgent>();
  for (const u of units) {
    const args = agentArgs(u.argv);
    if (!args) continue;
    const subject = u.scope === 'system' ? `jenkins-agent:${u.unit.name}` : `jenkins-agent:${u.scope.user}/${u.unit.name}`;
    const a = describe(args, { subject, unit: u, processes: [], user: u.user ?? 'root', source: u.label });
    agents.push(a);
    if (u.scope === 'system') byUnit.set(u.unit.name, a);
  }
  for (const p of procs) {
    const args = agentArgs(p.argv);
    if (!args) continue;
    const owner = p.unit ? byUnit.get(p.unit) : undefined;
    if (owner) {
      owner.processes.push(p);
      continue;
    }
    agents.push(describe(args, { subject: `jenkins-agent:pid:${p.pid}`, processes: [p], user: users.userName(p.euid), source: `/proc/${p.pid}/cmdline` }));
  }
  for (const a of agents) {
    if (a.secret.kind === 'inline') env.secrets.add(a.secret.value);
    for (const p of a.processes) {
      const s = secretOf(agentArgs(p.argv) ?? []);
      if (s.kind === 'inline') env.secrets.add(s.value);
    }
  }
  return agents;
});
