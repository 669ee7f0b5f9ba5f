import type { Remediation } from '../agent/remediate/types.js';
import auditdEnabled from './audit/auditd-enabled.js';
import auditWatches from './audit/docker-watches.js';
import credentialFiles from './build/credential-files.js';
import leftoverDirs from './build/leftover-dirs.js';
import dockerGroup from './docker/docker-group.js';
import dockerSocket from './docker/socket-permissions.js';
import jenkinsSecret from './jenkins/secret-file.js';
import { egressDefaultDeny, metadataBlocked } from './network/egress.js';
import configPrivate from './runner/config-private.js';
import dockerSocketMount from './runner/docker-socket-mount.js';
import jobCleanup from './runner/job-cleanup.js';
import privileged from './runner/privileged.js';
import pullPolicy from './runner/pull-policy.js';
import { runnerAuthorizedKeys, strayKeys } from './ssh/quarantine-keys.js';
import sshdDropin from './ssh/sshd-dropin.js';

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
  'RG-DOCKER-001': dockerGroup,
  'RG-DOCKER-002': dockerSocket,
  'RG-NET-001': egressDefaultDeny,
  'RG-NET-002': metadataBlocked,
  'RG-SSH-001': strayKeys,
  'RG-SSH-002': runnerAuthorizedKeys,
  'RG-SSH-003': sshdDropin,
  'RG-AUDIT-001': auditdEnabled,
  'RG-AUDIT-002': auditWatches,
  'RG-BUILD-001': leftoverDirs,
  'RG-BUILD-002': credentialFiles,
  'RG-JENKINS-002': jenkinsSecret,
};

export const REMEDIATIONS: Remediation[] = Object.keys(BY_ID)
  .sort()
  .map((id) => BY_ID[id]!);

export function remediationFor(id: string): Remediation | undefined {
  return BY_ID[id];
}
