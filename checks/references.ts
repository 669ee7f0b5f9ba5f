/**
 * Sections of the seed documents (../shared/seeds) and benchmark ids that
 * checks cite. One place, so a moved section is fixed once.
 */
const GL = 'https://docs.gitlab.com/runner/security/';

export const REF = {
  // GitLab Runner docs, "Security for self-managed runners" (seeds 001, 003).
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
  // "Hardening the Runner" lesson (seed 000).
  lessonRootless: 'Hardening the Runner (Module 9 Lesson 5) § 1 The "Rootless" Runner',
  lessonSocket: 'Hardening the Runner (Module 9 Lesson 5) § 2 Preventing "Socket" Attacks',
  lessonNetwork: 'Hardening the Runner (Module 9 Lesson 5) § 3 Network Isolation',
  lessonEphemeral: 'Hardening the Runner (Module 9 Lesson 5) § 4 One-Time Runners (Ephemeral)',
  // "Runner and Environment Security" guide (seed 002).
  guideGhaEphemeral: 'Runner and Environment Security § GitHub Actions Runner Security: Use Ephemeral Runners',
  guideNetwork: 'Runner and Environment Security § Network Isolation',
  guideDockerExecutor: 'Runner and Environment Security § GitLab CI Runner Security: Use Docker Executor with Isolation',
  guideChecklistHost: 'Runner and Environment Security § Environment Hardening Checklist: Runner Host',
  guideChecklistProcess: 'Runner and Environment Security § Environment Hardening Checklist: Runner Process',
  guideChecklistContainer: 'Runner and Environment Security § Environment Hardening Checklist: Container Builds',
  guideDind: "Runner and Environment Security § Container Build Security: Don't Run Docker-in-Docker Privileged",
  // Runner fleet security model (seed 004).
  modelPrivilege: 'Runner fleet Security Model § Privilege Boundary',
  modelSecrets: 'Runner fleet Security Model § Secrets Management',
  // GitHub's own docs.
  ghaSecurity: 'https://docs.github.com/en/actions/security-guides/security-hardening-for-github-actions#hardening-for-self-hosted-runners',
  ghaEphemeral: 'https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/autoscaling-with-self-hosted-runners#using-ephemeral-runners-for-autoscaling',
  // Jenkins remoting and agent docs.
  jenkinsInbound: 'https://github.com/jenkinsci/remoting/blob/master/docs/inbound-agent.md',
  jenkinsWorkDir: 'https://github.com/jenkinsci/remoting/blob/master/docs/workDir.md',
  jenkinsControllerIsolation: 'https://www.jenkins.io/doc/book/security/controller-isolation/',
  guideJenkinsAgent: 'Runner and Environment Security § Jenkins Agent Security',
} as const;

/** CIS Docker Benchmark v1.2.0 recommendation (the numbering most scanners report), as a reference string. */
export function cisDocker(id: string, title: string): string {
  return `CIS Docker Benchmark v1.2.0 ${id}: ${title}`;
}

/** OpenSSH manual pages: the semantics the SSH checks follow. */
export const SSH_REF = {
  sshdConfig: 'https://man.openbsd.org/sshd_config',
  authorizedKeys: 'https://man.openbsd.org/sshd#AUTHORIZED_KEYS_FILE_FORMAT',
} as const;

/** CIS Debian Linux 11 Benchmark v2.0.0 recommendation, as a reference string. */
export function cisDebian(id: string, title: string): string {
  return `CIS Debian Linux 11 Benchmark v2.0.0 ${id}: ${title}`;
}
