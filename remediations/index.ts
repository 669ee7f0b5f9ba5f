import type { Remediation } from '../agent/remediate/types.js';
import configPrivate from './runner/config-private.js';
import dockerSocketMount from './runner/docker-socket-mount.js';
import jobCleanup from './runner/job-cleanup.js';
import privileged from './runner/privileged.js';
import pullPolicy from './runner/pull-policy.js';

/**
 * The remediation catalogue, by the check id each one fixes
 * (remediations.md): an explicit map, like checks/index.ts.
 */
const BY_ID: Record<string, Remediation> = {
  'RG-RUN-002': configPrivate,
  'RG-RUN-003': privileged,
  'RG-RUN-004': dockerSocketMount,
  'RG-RUN-005': pullPolicy,
  'RG-RUN-007': jobCleanup,
};

export const REMEDIATIONS: Remediation[] = Object.keys(BY_ID)
  .sort()
  .map((id) => BY_ID[id]!);

export function remediationFor(id: string): Remediation | undefined {
  return BY_ID[id];
}
