import { createTwoFilesPatch } from 'diff';
import { expect } from 'vitest';
import privileged from '../../../remediations/runner/privileged.js';
import { runner, runnerHost } from '../../checks/runner/fixture.js';
import { defineRemediationCases, type RemediationCase } from '../../helpers/remediation-cases.js';
import type { FixtureTree } from '../../helpers/fixture-tree.js';

/** The changed lines of the config.toml edit in the plan. */
export function editedLines(p: { plans: Array<{ steps: Array<{ op: string; before?: string; after?: string }> }> }): string[] {
  return p.plans.flatMap((plan) =>
    plan.steps
      .filter((s) => s.op === 'editFile')
      .flatMap((s) => createTwoFilesPatch('a', 'b', s.before!, s.after!, '', '', { context: 0 }).split('\n').filter((l) => /^[-+][^-+]/.test(l) || l === '+' || l === '-')),
  );
}

/** Two docker runners, the first privileged for DinD, the second with a comment-laden volumes array. */
export async function twoRunners(t: FixtureTree, dockerBody: string): Promise<void> {
  await runnerHost(t, runner('dind', 'docker', dockerBody) + runner('plain', 'docker', '\t[runners.docker]\n\t\timage = "debian:12"\n\t\t# keep the cache\n\t\tvolumes = ["/cache"]\n\t\tpull_policy = ["always"]\n\t[runners.feature_flags]\n\t\tFF_ENABLE_JOB_CLEANUP = true\n'));
}


export const DOCKER = '\t[runners.docker]\n\t\timage = "alpine:3.20"\n\t\tpull_policy = "if-not-present"\n\t\tvolumes = [\n\t\t\t"/cache",\n\t\t\t# for docker build\n\t\t\t"/run/docker.sock:/var/run/docker.sock:rw",\n\t\t]\n';

const cases: RemediationCase[] = [
  {
    name: 'privileged = true with a trailing comment, services inherit: only that line changes',
    build: (t) => twoRunners(t, '\t[runners.docker]\n\t\timage = "docker:27"\n\t\tprivileged = true # DinD for image builds\n\t\tvolumes = ["/cache", "/certs/client"]\n'),
    plan: (p) => {
      expect(editedLines(p)).toEqual(['-\t\tprivileged = true # DinD for image builds', '+\t\tprivileged = false # DinD for image builds']);
      expect(p.remediation.meta.impact).toContain('Docker-in-Docker');
    },
  },
  {
    name: 'services_privileged = true on its own is set to false too',
    build: (t) => twoRunners(t, '\t[runners.docker]\n\t\timage = "docker:27"\n\t\tprivileged = true\n\t\tservices_privileged = true\n'),
    plan: (p) => {
      expect(editedLines(p)).toEqual(['-\t\tprivileged = true', '-\t\tservices_privileged = true', '+\t\tprivileged = false', '+\t\tservices_privileged = false']);
    },
  },
  {
    name: 'kubernetes: privileged in [runners.kubernetes] and the build container\'s security context, both set false in place (no services_privileged written)',
    build: (t) => runnerHost(t, runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tnamespace = "ci"\n\t\tprivileged = true\n\t\t[runners.kubernetes.build_container_security_context]\n\t\t\tprivileged = true\n')),
    plan: (p) => {
      expect(editedLines(p)).toEqual(['-\t\tprivileged = true', '+\t\tprivileged = false', '-\t\t\tprivileged = true', '+\t\t\tprivileged = false']);
    },
  },
];

export default defineRemediationCases({ remediation: privileged, cases });
