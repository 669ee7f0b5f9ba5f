import { gitlabRunnerUnit, type FixtureTree } from '../../helpers/fixture-tree.js';

export const CONFIG_PATH = '/etc/gitlab-runner/config.toml';

/** A registered GitLab Runner host whose config.toml holds `runners` (TOML text after the globals). */
export async function runnerHost(t: FixtureTree, runners: string, globals = 'concurrent = 4\ncheck_interval = 0\n'): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 998 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: CONFIG_PATH, userArg: 'gitlab-runner' }));
  await t.file(CONFIG_PATH, `${globals}\n${runners}`, { mode: 0o600 });
}

/** One [[runners]] entry as `gitlab-runner register` writes it, with tabs; `top` holds keys of the entry itself, `body` its sub-tables. */
export function runner(name: string, executor: string, body = '', top = ''): string {
  return `[[runners]]
\tname = "${name}"
\turl = "https://gitlab.example.com/"
\tid = 42
\ttoken = "glrt-${name.replace(/[^A-Za-z0-9]/g, '')}TOKENTOKEN"
\ttoken_obtained_at = 2024-05-01T10:00:00Z
\ttoken_expires_at = 0001-01-01T00:00:00Z
\texecutor = "${executor}"
${top}\t[runners.cache]
\t\tMaxUploadedArchiveSize = 0
\t\t[runners.cache.s3]
\t\t[runners.cache.gcs]
${body}
`;
}

export const noRunner = { name: 'no GitLab Runner on the host', build: async () => {}, expect: [{ status: 'skip' as const, subject: 'gitlab-runner' }] };

export const malformed = {
  name: 'malformed TOML: error naming file:line',
  build: (t: FixtureTree) => runnerHost(t, '[[runners]]\n\tname = "a"\n\texecutor = "docker"\n\t[runners.docker]\n\t\tvolumes = ["/cache",\n'),
  expect: [{ status: 'error' as const, subject: CONFIG_PATH, message: /^\/etc\/gitlab-runner\/config\.toml:\d+: malformed TOML/ }],
};

export const garbage = {
  name: 'binary garbage instead of TOML',
  build: async (t: FixtureTree) => {
    await runnerHost(t, '');
    await t.file(CONFIG_PATH, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0xff, 0xfe]), { mode: 0o600 });
  },
  expect: [{ status: 'error' as const, subject: CONFIG_PATH, message: 'binary data' }],
};
