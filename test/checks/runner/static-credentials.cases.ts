import check from '../../../checks/runner/static-credentials.js';
import { defineCases } from '../../helpers/check-cases.js';
import { garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

export default defineCases({
  check,
  passing: [
    {
      name: 'S3 cache with an IAM role, SSH with an identity file, an empty AccessKey as register writes it',
      build: (t) =>
        runnerHost(
          t,
          runner('d', 'docker', '\t[runners.docker]\n').replace('\t\t[runners.cache.s3]\n', '\t\t[runners.cache.s3]\n\t\t\tAuthenticationType = "iam"\n\t\t\tBucketName = "ci-cache"\n\t\t\tAccessKey = ""\n') +
            runner('s', 'ssh', '\t[runners.ssh]\n\t\thost = "build1"\n\t\tuser = "ci"\n\t\tidentity_file = "/etc/gitlab-runner/id_ed25519"\n'),
        ),
      expect: [
        { status: 'pass', subject: 'runner:d' },
        { status: 'pass', subject: 'runner:s' },
      ],
    },
  ],
  failing: [
    {
      name: 'static S3 keys, an SSH password, a kubernetes bearer token: named by table and key, values never shown',
      build: (t) =>
        runnerHost(
          t,
          runner('c', 'docker', '\t[runners.docker]\n').replace('\t\t[runners.cache.s3]\n', '\t\t[runners.cache.s3]\n\t\t\tAccessKey = "AKIAEXAMPLEEXAMPLE12"\n\t\t\tSecretKey = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"\n') +
            runner('s', 'ssh', '\t[runners.ssh]\n\t\thost = "build1"\n\t\tpassword = "hunter2hunter2"\n') +
            runner('k', 'kubernetes', '\t[runners.kubernetes]\n\t\tbearer_token = "eyJhbGciOiJSUzI1NiJ9.notreal"\n'),
        ),
      expect: [
        { status: 'warn', subject: 'runner:c', message: /^config\.toml holds a static S3 key \(long-lived/, evidence: [/^\/etc\/gitlab-runner\/config\.toml:\d+: \[runners\.cache\.s3\] AccessKey is set \(value not shown\)$/, '[runners.cache.s3] SecretKey is set (value not shown)'] },
        { status: 'warn', subject: 'runner:s', message: "the build host's SSH password", evidence: ['[runners.ssh] password is set (value not shown)'] },
        { status: 'warn', subject: 'runner:k', message: 'a cluster bearer token' },
      ],
    },
    {
      name: 'docker+machine with the cloud keys inline in MachineOptions; autoscaler with static credentials',
      build: (t) =>
        runnerHost(
          t,
          runner('m', 'docker+machine', '\t[runners.docker]\n\t[runners.machine]\n\t\tMachineDriver = "amazonec2"\n\t\tMachineOptions = ["amazonec2-region=eu-west-1", "amazonec2-access-key=AKIAEXAMPLEEXAMPLE12", "amazonec2-secret-key=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"]\n') +
            runner('a', 'docker-autoscaler', '\t[runners.docker]\n\t[runners.autoscaler]\n\t\tplugin = "aws"\n\t\t[runners.autoscaler.connector_config]\n\t\t\tusername = "ec2-user"\n\t\t\tuse_static_credentials = true\n'),
        ),
      expect: [
        { status: 'warn', subject: 'runner:m', message: 'a cloud credential for docker-machine', evidence: ['[runners.machine] MachineOptions amazonec2-access-key is set (value not shown)', '[runners.machine] MachineOptions amazonec2-secret-key is set (value not shown)'] },
        { status: 'warn', subject: 'runner:a', evidence: ['[runners.autoscaler.connector_config] use_static_credentials = true'] },
      ],
    },
    {
      name: 'attacker: a MachineOptions secret is never echoed, even with a hostile option name around it',
      build: (t) => runnerHost(t, runner('m', 'docker+machine', '\t[runners.machine]\n\t\tMachineOptions = ["digitalocean-access-token=dop_v1_secretsecretsecret", "x\\u001b[2J-password=alsosecret"]\n')),
      expect: [{ status: 'warn', subject: 'runner:m', evidence: ['[runners.machine] MachineOptions digitalocean-access-token is set (value not shown)'] }],
    },
  ],
  notApplicable: [noRunner],
  errors: [malformed, garbage],
});
