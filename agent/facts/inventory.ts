import { fingerprint, type SecretRegistry } from '../engine/redact.js';
import type { RunnerRecord } from '../engine/types.js';
import { githubFacts } from './github.js';
import { gitlabFacts } from './gitlab.js';
import type { Facts } from './index.js';

/** A config.toml a job can write may list any number of runners: the report keeps this many. */
export const MAX_RUNNER_RECORDS = 1000;

/**
 * An Actions runner's stable identity: the instance it registered with and
 * the id it was given there. A copied runner directory keeps both, so two
 * hosts showing one fingerprint run a cloned registration.
 */
function actionsFingerprint(settings: Record<string, unknown> | null): string | undefined {
  const id = settings?.agentId;
  if (typeof id !== 'number' && typeof id !== 'string') return undefined;
  if (String(id) === '') return undefined;
  const url = typeof settings!.gitHubUrl === 'string' ? settings!.gitHubUrl : typeof settings!.serverUrl === 'string' ? settings!.serverUrl : '';
  return fingerprint(`${url}#${String(id)}`);
}

/**
 * The runners of the host, from the facts the checks already loaded (or load
 * now). Names pass through the secret registry like every finding text.
 */
export async function runnerInventory(facts: Facts, secrets: SecretRegistry): Promise<RunnerRecord[]> {
  // A fact that failed fails the inventory: a partial list would claim runners are absent.
  const [gitlab, github] = await Promise.all([facts.get(gitlabFacts), facts.get(githubFacts)]);
  const out: RunnerRecord[] = [];
  if (gitlab?.config.ok) {
    for (const r of gitlab.config.runners) {
      out.push({ kind: 'gitlab', name: secrets.redact(r.name), ...(r.tokenFingerprint ? { fingerprint: r.tokenFingerprint } : {}) });
    }
  }
  for (const r of github) {
    const name = typeof r.settings?.agentName === 'string' && r.settings.agentName !== '' ? r.settings.agentName : r.dir;
    const fp = actionsFingerprint(r.settings);
    out.push({ kind: 'github', name: secrets.redact(name), ...(fp ? { fingerprint: fp } : {}) });
  }
  return out.slice(0, MAX_RUNNER_RECORDS);
}
