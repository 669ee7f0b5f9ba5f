/**
 * What checks cite, in one place so a moved section is fixed once. Every
 * reference carries a public https:// URL (`explain`, SARIF helpUri and OCSF
 * src_url take the first one): the project's design notes that have no public
 * home are cited by title next to a public page that says the same.
 */
const GL = 'https://docs.gitlab.com/runner/security/';

/** A design note without a public home, cited by title next to a public page that says the same. */
function ref(title: string, url: string): string {
  return `${title} (no public copy); the same advice: ${url}`;
}

export const REF = {
  // GitLab Runner docs, "Security for self-managed runners".
  glShellExecutor: `${GL}#usage-of-shell-executor`,
  glDockerExecutor: `${GL}#usage-of-docker-executor`,
  glPullPolicy: `${GL}#usage-of-private-docker-images-with-if-not-present-pull-policy`,
  glDockerInstalled: `${GL}#systems-with-docker-installed`,
  glSshExecutor: `${GL}#usage-of-ssh-executor`,
  glCloning: `${GL}#cloning-a-runner`,
  glGitFetch: `${GL}#security-risks-when-using-git_strategy-fetch-on-shared-environments`,
  glPrivileged: `${GL}#reduce-the-security-risk-of-using-privileged-containers`,
  glNetworkSegmentation: `${GL}#network-segmentation`,
  glSecureHost: `${GL}#secure-the-runner-host`,
  glJobCleanup: `${GL}#clean-up-the-git-folder-after-each-build`,
  glAdvancedConfig: 'https://docs.gitlab.com/runner/configuration/advanced-configuration/',
  glMonitoring: 'https://docs.gitlab.com/runner/monitoring/',
  glSystemServices: 'https://docs.gitlab.com/runner/commands/#gitlab-runner-install',
  glSshHostKeyChecking: 'https://docs.gitlab.com/runner/executors/ssh/#configure-strict-host-key-checking',
  glDockerConfig: 'https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnersdocker-section',
  glAutoscalerConfig: 'https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnersautoscaler-section',
  glSessionServer: 'https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-session_server-section',
  // The project's design notes (no public copy), each next to a public page saying the same.
  // "Hardening the Runner".
  lessonRootless: ref('Hardening the Runner § 1 The "Rootless" Runner', 'https://docs.docker.com/engine/security/rootless/'),
  lessonSocket: ref('Hardening the Runner § 2 Preventing "Socket" Attacks', 'https://docs.docker.com/engine/security/#docker-daemon-attack-surface'),
  lessonNetwork: ref('Hardening the Runner § 3 Network Isolation', 'https://docs.gitlab.com/runner/security/#network-segmentation'),
  lessonEphemeral: ref('Hardening the Runner § 4 One-Time Runners (Ephemeral)', 'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/autoscaling-with-self-hosted-runners#using-ephemeral-runners-for-autoscaling'),
  // "Runner and Environment Security".
  guideGhaEphemeral: ref('Runner and Environment Security § GitHub Actions Runner Security: Use Ephemeral Runners', 'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/autoscaling-with-self-hosted-runners#using-ephemeral-runners-for-autoscaling'),
  guideNetwork: ref('Runner and Environment Security § Network Isolation', 'https://docs.gitlab.com/runner/security/#network-segmentation'),
  guideDockerExecutor: ref('Runner and Environment Security § GitLab CI Runner Security: Use Docker Executor with Isolation', 'https://docs.gitlab.com/runner/security/#usage-of-docker-executor'),
  guideChecklistHost: ref('Runner and Environment Security § Environment Hardening Checklist: Runner Host', 'https://docs.gitlab.com/runner/security/#secure-the-runner-host'),
  guideChecklistProcess: ref('Runner and Environment Security § Environment Hardening Checklist: Runner Process', 'https://docs.gitlab.com/runner/security/'),
  guideChecklistContainer: ref('Runner and Environment Security § Environment Hardening Checklist: Container Builds', 'https://docs.gitlab.com/runner/security/#reduce-the-security-risk-of-using-privileged-containers'),
  guideDind: ref('Runner and Environment Security § Container Build Security: Don\'t Run Docker-in-Docker Privileged', 'https://docs.gitlab.com/ci/docker/docker_in_docker/'),
  // "Runner fleet Security Model".
  modelPrivilege: ref('Runner fleet Security Model § Privilege Boundary', 'https://docs.github.com/en/actions/security-guides/security-hardening-for-github-actions#hardening-for-self-hosted-runners'),
  modelSecrets: ref('Runner fleet Security Model § Secrets Management', 'https://docs.gitlab.com/ee/security/token_overview.html'),
  // GitHub's own docs.
  ghaSecurity: 'https://docs.github.com/en/actions/security-guides/security-hardening-for-github-actions#hardening-for-self-hosted-runners',
  ghaEphemeral: 'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/autoscaling-with-self-hosted-runners#using-ephemeral-runners-for-autoscaling',
  // Jenkins remoting and agent docs.
  jenkinsInbound: 'https://github.com/jenkinsci/remoting/blob/master/docs/inbound-agent.md',
  jenkinsWorkDir: 'https://github.com/jenkinsci/remoting/blob/master/docs/workDir.md',
  jenkinsControllerIsolation: 'https://www.jenkins.io/doc/book/security/controller-isolation/',
  guideJenkinsAgent: ref('Runner and Environment Security § Jenkins Agent Security', 'https://www.jenkins.io/doc/book/security/controller-isolation/'),
} as const;

/** CIS Docker Benchmark v1.2.0 recommendation (the numbering most scanners report), as a reference string. */
export function cisDocker(id: string, title: string): string {
  return `CIS Docker Benchmark v1.2.0 ${id}: ${title}, https://www.cisecurity.org/benchmark/docker`;
}

/** OpenSSH manual pages: the semantics the SSH checks follow. */
export const SSH_REF = {
  sshdConfig: 'https://man.openbsd.org/sshd_config',
  authorizedKeys: 'https://man.openbsd.org/sshd#AUTHORIZED_KEYS_FILE_FORMAT',
} as const;

/** CIS Debian Linux 11 Benchmark v2.0.0 recommendation, as a reference string. */
export function cisDebian(id: string, title: string): string {
  return `CIS Debian Linux 11 Benchmark v2.0.0 ${id}: ${title}, https://www.cisecurity.org/benchmark/debian_linux`;
}
