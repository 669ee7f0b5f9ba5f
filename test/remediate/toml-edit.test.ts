import TOML from '@iarna/toml';
import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { removeArrayItems, setKey, tomlValue } from '../../agent/remediate/toml-edit.js';

/** A config.toml as people keep it: tabs, comments, an empty sub-table, two runners, a multi-line array with comments. */
const CONFIG = `concurrent = 4
check_interval = 0
# shutdown_timeout = 0

[session_server]
  session_timeout = 1800

[[runners]]
\tname = "docker-1"
\turl = "https://gitlab.example.com/"
\ttoken = "glrt-AAAA"
\ttoken_expires_at = 0001-01-01T00:00:00Z
\texecutor = "docker"
\t[runners.custom_build_dir]
\t[runners.cache]
\t\tMaxUploadedArchiveSize = 0
\t\t[runners.cache.s3]
\t[runners.docker]
\t\ttls_verify = false
\t\timage = "alpine:3.20"
\t\tprivileged = true # DinD for the release jobs
\t\tvolumes = [
\t\t\t"/cache",
\t\t\t# the socket, for docker builds
\t\t\t"/var/run/docker.sock:/var/run/docker.sock",
\t\t\t"/srv/ro:/srv/ro:ro"
\t\t]
\t\tshm_size = 0

[[runners]]
\tname = "shell-2"
\turl = "https://gitlab.example.com/"
\ttoken = "glrt-BBBB"
\texecutor = "docker"
\tunknown_key_we_keep = "x"
\t[runners.docker]
\t\timage = "debian:12"
\t\tvolumes = ["/run/docker.sock:/var/run/docker.sock:rw", "/cache"]
\t\tpull_policy = "if-not-present"
`;

/** The changed lines of a unified diff, without headers. */
function changed(before: string, after: string): string[] {
  return createTwoFilesPatch('a', 'b', before, after, '', '', { context: 0 })
    .split('\n')
    .filter((l) => /^[-+][^-+]/.test(l) || l === '+' || l === '-');
}

describe('minimal TOML edits of a runner config', () => {
  it('sets an existing key in the second runner only, keeping the trailing comment elsewhere untouched', () => {
    const out = setKey(CONFIG, ['runners', '0', 'docker'], 'privileged', 'false');
    expect(changed(CONFIG, out)).toEqual(['-\t\tprivileged = true # DinD for the release jobs', '+\t\tprivileged = false # DinD for the release jobs']);
    expect((TOML.parse(out) as any).runners[0].docker.privileged).toBe(false);
  });

  it('adds a missing key inside its table, indented like its siblings', () => {
    const out = setKey(CONFIG, ['runners', '0', 'docker'], 'pull_policy', tomlValue(['always']));
    expect(changed(CONFIG, out)).toEqual(['+\t\tpull_policy = ["always"]']);
    const lines = out.split('\n');
    expect(lines[lines.indexOf('\t\tpull_policy = ["always"]') - 1]).toBe('\t\tshm_size = 0');
    expect((TOML.parse(out) as any).runners[0].docker.pull_policy).toEqual(['always']);
  });

  it('replaces a string value with an array in place', () => {
    const out = setKey(CONFIG, ['runners', '1', 'docker'], 'pull_policy', tomlValue(['always']));
    expect(changed(CONFIG, out)).toEqual(['-\t\tpull_policy = "if-not-present"', '+\t\tpull_policy = ["always"]']);
  });

  it('adds a missing sub-table at the end of its runner entry', () => {
    const out = setKey(CONFIG, ['runners', '0', 'feature_flags'], 'FF_ENABLE_JOB_CLEANUP', 'true');
    expect(changed(CONFIG, out)).toEqual(['+\t[runners.feature_flags]', '+\t\tFF_ENABLE_JOB_CLEANUP = true']);
    const parsed = TOML.parse(out) as any;
    expect(parsed.runners[0].feature_flags).toEqual({ FF_ENABLE_JOB_CLEANUP: true });
    expect(parsed.runners[1].feature_flags).toBeUndefined();
    expect(parsed.runners[0].docker.shm_size).toBe(0);
  });

  it('adds a sub-table to the last runner at the end of the file', () => {
    const out = setKey(CONFIG, ['runners', '1', 'feature_flags'], 'FF_ENABLE_JOB_CLEANUP', 'true');
    expect(changed(CONFIG, out)).toEqual(['+\t[runners.feature_flags]', '+\t\tFF_ENABLE_JOB_CLEANUP = true']);
    expect((TOML.parse(out) as any).runners[1].feature_flags.FF_ENABLE_JOB_CLEANUP).toBe(true);
  });

  it('setting a key to the value it has is a no-op (idempotent)', () => {
    const once = setKey(CONFIG, ['runners', '0', 'docker'], 'privileged', 'false');
    expect(setKey(once, ['runners', '0', 'docker'], 'privileged', 'false')).toBe(once);
  });

  it('drops the docker socket from a multi-line array with comments: only that line goes', () => {
    const sock = (v: unknown) => typeof v === 'string' && /^\/(var\/)?run\/docker\.sock(:|$)/.test(v);
    const out = removeArrayItems(CONFIG, ['runners', '0', 'docker'], 'volumes', sock);
    expect(changed(CONFIG, out)).toEqual(['-\t\t\t"/var/run/docker.sock:/var/run/docker.sock",']);
    expect((TOML.parse(out) as any).runners[0].docker.volumes).toEqual(['/cache', '/srv/ro:/srv/ro:ro']);
  });

  it('drops an item from a one-line array, and the last item of a multi-line array', () => {
    const first = removeArrayItems(CONFIG, ['runners', '1', 'docker'], 'volumes', (v) => String(v).startsWith('/run/docker.sock'));
    expect(changed(CONFIG, first)).toEqual(['-\t\tvolumes = ["/run/docker.sock:/var/run/docker.sock:rw", "/cache"]', '+\t\tvolumes = ["/cache"]']);
    const last = removeArrayItems(CONFIG, ['runners', '0', 'docker'], 'volumes', (v) => v === '/srv/ro:/srv/ro:ro');
    expect(changed(CONFIG, last)).toEqual(['-\t\t\t"/srv/ro:/srv/ro:ro"']);
    expect((TOML.parse(last) as any).runners[0].docker.volumes).toEqual(['/cache', '/var/run/docker.sock:/var/run/docker.sock']);
  });

  it('a [runners.docker] header-like line inside a multi-line string is data, not a table', () => {
    const text = `[[runners]]\n\tname = "a"\n\tpre_build_script = """\n[runners.docker]\nprivileged = true\n"""\n\t[runners.docker]\n\t\tprivileged = true\n`;
    const out = setKey(text, ['runners', '0', 'docker'], 'privileged', 'false');
    expect(changed(text, out)).toEqual(['-\t\tprivileged = true', '+\t\tprivileged = false']);
  });
  it('changes only the value: the spacing around "=" stays, and an aligned comment keeps its column', () => {
    const text = `[[runners]]\n  name = "a"\n  [runners.docker]\n    privileged = true          # DinD for the image builds\n    tls_verify=true\t# tab before the comment\n    pull_policy = "if-not-present" # short\n`;
    const out = setKey(setKey(setKey(text, ['runners', '0', 'docker'], 'privileged', 'false'), ['runners', '0', 'docker'], 'tls_verify', 'false'), ['runners', '0', 'docker'], 'pull_policy', tomlValue(['always']));
    expect(changed(text, out)).toEqual([
      '-    privileged = true          # DinD for the image builds',
      '-    tls_verify=true\t# tab before the comment',
      '-    pull_policy = "if-not-present" # short',
      '+    privileged = false         # DinD for the image builds',
      '+    tls_verify=false\t# tab before the comment',
      '+    pull_policy = ["always"] # short',
    ]);
    expect(out.split('\n')[3]!.indexOf('#')).toBe(text.split('\n')[3]!.indexOf('#'));
    expect((TOML.parse(out) as any).runners[0].docker).toEqual({ privileged: false, tls_verify: false, pull_policy: ['always'] });
  });

  it("a new sub-table is indented as gitlab-runner writes its config (2 spaces, keys 4) or as the file's own sub-tables are", () => {
    // As `gitlab-runner register` writes it: one runner with sub-tables, one (shell) without.
    const gitlab = `[[runners]]\n  name = "docker"\n  executor = "docker"\n  [runners.cache]\n    MaxUploadedArchiveSize = 0\n  [runners.docker]\n    image = "alpine"\n\n[[runners]]\n  name = "shell"\n  executor = "shell"\n`;
    for (const i of ['0', '1']) {
      const out = setKey(gitlab, ['runners', i, 'feature_flags'], 'FF_ENABLE_JOB_CLEANUP', 'true');
      expect(changed(gitlab, out)).toEqual(['+  [runners.feature_flags]', '+    FF_ENABLE_JOB_CLEANUP = true']);
      expect((TOML.parse(out) as any).runners[Number(i)].feature_flags).toEqual({ FF_ENABLE_JOB_CLEANUP: true });
    }
    // Headers indented by spaces and their keys by a tab: the new table copies its siblings, no "  \t" mix.
    const mixed = `[[runners]]\n  name = "a"\n  [runners.docker]\n\tprivileged = true\n`;
    expect(changed(mixed, setKey(mixed, ['runners', '0', 'feature_flags'], 'FF_ENABLE_JOB_CLEANUP', 'true'))).toEqual(['+  [runners.feature_flags]', '+\tFF_ENABLE_JOB_CLEANUP = true']);
  });
});
