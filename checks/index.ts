import type { FieldType } from '../agent/config/schema.js';
import type { Check } from '../agent/engine/types.js';
import runAsNonRoot from './runner/run-as-non-root.js';
import configPrivate from './runner/config-private.js';
import privileged from './runner/privileged.js';
import dockerSocketMount from './runner/docker-socket-mount.js';
import pullPolicy from './runner/pull-policy.js';
import shellExecutor from './runner/shell-executor.js';
import jobCleanup from './runner/job-cleanup.js';
import gitFetch from './runner/git-fetch.js';
import sshHostKeys from './runner/ssh-host-keys.js';
import autoscaledOneJob from './runner/autoscaled-one-job.js';
import capabilities from './runner/capabilities.js';
import remoteDockerTls from './runner/remote-docker-tls.js';
import listeners from './runner/listeners.js';
import hostNamespaces from './runner/host-namespaces.js';
import sensitiveMounts from './runner/sensitive-mounts.js';
import tokenExposure from './runner/token-exposure.js';
import jobChoices from './runner/job-choices.js';
import hostAccess from './runner/host-access.js';
import podConfinement from './runner/pod-confinement.js';
import staticCredentials from './runner/static-credentials.js';
import resourceLimits from './runner/resource-limits.js';
import dockerGroup from './docker/docker-group.js';
import socketPermissions from './docker/socket-permissions.js';
import tcpApi from './docker/tcp-api.js';
import daemonDefaults from './docker/daemon-defaults.js';
import ghaNotRoot from './github/not-root.js';
import ghaEphemeral from './github/ephemeral.js';
import ghaCredentials from './github/credentials-private.js';
import ghaControlFiles from './github/control-files.js';
import jenkinsNotRoot from './jenkins/not-root.js';
import jenkinsSecret from './jenkins/secret.js';
import jenkinsWorkDir from './jenkins/work-dir.js';
import jenkinsLaunchOptions from './jenkins/launch-options.js';
import runnerSudo from './host/runner-sudo.js';
import runnerVersions from './host/runner-versions.js';
import securityUpdates from './host/security-updates.js';
import jenkinsController from './host/jenkins-controller.js';
import listeningServices from './host/listening-services.js';
import leftoverDirs from './build/leftover-dirs.js';
import credentialFiles from './build/credential-files.js';
import encryptedDisks from './disk/encrypted-disks.js';
import auditdEnabled from './audit/auditd-enabled.js';
import auditDockerWatches from './audit/docker-watches.js';
import strayPrivateKeys from './ssh/stray-private-keys.js';
import runnerAuthorizedKeys from './ssh/runner-authorized-keys.js';
import sshdLogins from './ssh/sshd-logins.js';
import egressDefaultDeny from './network/egress-default-deny.js';
import metadataBlocked from './network/metadata-blocked.js';

/**
 * The catalogue: an explicit map, sorted by id, so `runnerguard checks`,
 * `explain` and the docs all come from one place. No directory scanning.
 */
const BY_ID: Record<string, Check> = {
  'RG-RUN-001': runAsNonRoot,
  'RG-RUN-002': configPrivate,
  'RG-RUN-003': privileged,
  'RG-RUN-004': dockerSocketMount,
  'RG-RUN-005': pullPolicy,
  'RG-RUN-006': shellExecutor,
  'RG-RUN-007': jobCleanup,
  'RG-RUN-008': gitFetch,
  'RG-RUN-009': sshHostKeys,
  'RG-RUN-010': autoscaledOneJob,
  'RG-RUN-011': capabilities,
  'RG-RUN-012': remoteDockerTls,
  'RG-RUN-013': listeners,
  'RG-RUN-014': hostNamespaces,
  'RG-RUN-015': sensitiveMounts,
  'RG-RUN-016': tokenExposure,
  'RG-RUN-017': jobChoices,
  'RG-RUN-018': hostAccess,
  'RG-RUN-019': podConfinement,
  'RG-RUN-020': staticCredentials,
  'RG-RUN-021': resourceLimits,
  'RG-DOCKER-001': dockerGroup,
  'RG-DOCKER-002': socketPermissions,
  'RG-DOCKER-003': tcpApi,
  'RG-DOCKER-004': daemonDefaults,
  'RG-GHA-001': ghaNotRoot,
  'RG-GHA-002': ghaEphemeral,
  'RG-GHA-003': ghaCredentials,
  'RG-GHA-004': ghaControlFiles,
  'RG-JENKINS-001': jenkinsNotRoot,
  'RG-JENKINS-002': jenkinsSecret,
  'RG-JENKINS-003': jenkinsWorkDir,
  'RG-JENKINS-004': jenkinsLaunchOptions,
  'RG-NET-001': egressDefaultDeny,
  'RG-NET-002': metadataBlocked,
  'RG-HOST-001': runnerSudo,
  'RG-HOST-002': runnerVersions,
  'RG-HOST-003': securityUpdates,
  'RG-HOST-004': listeningServices,
  'RG-HOST-005': jenkinsController,
  'RG-BUILD-001': leftoverDirs,
  'RG-BUILD-002': credentialFiles,
  'RG-DISK-001': encryptedDisks,
  'RG-AUDIT-001': auditdEnabled,
  'RG-AUDIT-002': auditDockerWatches,
  'RG-SSH-001': strayPrivateKeys,
  'RG-SSH-002': runnerAuthorizedKeys,
  'RG-SSH-003': sshdLogins,
};

export const CATALOGUE: Check[] = Object.keys(BY_ID)
  .sort()
  .map((id) => BY_ID[id]!);

export function checkById(id: string): Check | undefined {
  return BY_ID[id];
}

/** `[checks.<ID>]` option schemas, for config validation. */
export function checkOptionSchemas(): Record<string, Record<string, FieldType>> {
  return Object.fromEntries(CATALOGUE.filter((c) => c.meta.options).map((c) => [c.meta.id, c.meta.options!]));
}
