import { execFileSync } from 'node:child_process';
import { promises as fsp, mkdtempSync, renameSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Owner {
  mode?: number;
  uid?: number;
  gid?: number;
}

/**
 * A real fixture host under a temp dir: real modes, numeric owners, real unix
 * sockets, users and groups made by useradd/groupadd --root. Paths given to
 * its methods are target paths ("/etc/passwd").
 */
export class FixtureTree {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  static async create(prefix = 'rg-fixture-'): Promise<FixtureTree> {
    const root = mkdtempSync(path.join(os.tmpdir(), prefix));
    await fsp.chmod(root, 0o755);
    const t = new FixtureTree(root);
    for (const f of ['passwd', 'group', 'shadow', 'gshadow']) await t.file(`/etc/${f}`, f === 'passwd' ? 'root:x:0:0:root:/root:/bin/bash\n' : f === 'group' ? 'root:x:0:\n' : f === 'shadow' ? 'root:*:19000:0:99999:7:::\n' : 'root:*::\n', { mode: f.includes('shadow') ? 0o640 : 0o644 });
    await t.file('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n');
    await t.file('/etc/hostname', 'fixture-host\n');
    await t.file('/etc/machine-id', '0123456789abcdef0123456789abcdef\n');
    return t;
  }

  /** The path of a target path on this machine. */
  p(target: string): string {
    return path.join(this.root, target);
  }

  private async own(target: string, o: Owner): Promise<void> {
    if (o.mode !== undefined) await fsp.chmod(this.p(target), o.mode);
    if (o.uid !== undefined || o.gid !== undefined) await fsp.lchown(this.p(target), o.uid ?? 0, o.gid ?? 0);
  }

  async dir(target: string, o: Owner = {}): Promise<string> {
    await fsp.mkdir(this.p(target), { recursive: true });
    await this.own(target, o);
    return target;
  }

  async file(target: string, content: string | Buffer, o: Owner = {}): Promise<string> {
    await fsp.mkdir(path.dirname(this.p(target)), { recursive: true });
    await fsp.writeFile(this.p(target), content);
    await this.own(target, { mode: 0o644, ...o });
    return target;
  }

  async symlink(target: string, linkTo: string): Promise<void> {
    await fsp.mkdir(path.dirname(this.p(target)), { recursive: true });
    await fsp.symlink(linkTo, this.p(target));
  }

  /** A real unix socket file (bound, then the listener closed; the file stays). */
  async socket(target: string, o: Owner = {}): Promise<void> {
    await fsp.mkdir(path.dirname(this.p(target)), { recursive: true });
    const tmp = `${this.p(target)}.binding`;
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.listen(tmp, resolve).once('error', reject));
    renameSync(tmp, this.p(target)); // close() unlinks the bound name; the renamed file survives
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.own(target, o);
  }

  async groupadd(name: string, gid: number): Promise<void> {
    execFileSync('groupadd', ['--root', this.root, '-g', String(gid), name]);
  }

  /**
   * useradd --root, with a user group whose gid equals the uid (deterministic
   * owners); `groups` are supplementary groups that must exist already.
   */
  async useradd(name: string, o: { uid: number; home?: string; groups?: string[]; createHome?: boolean; shell?: string }): Promise<void> {
    execFileSync('groupadd', ['--root', this.root, '-g', String(o.uid), name]);
    const args = ['--root', this.root, '-u', String(o.uid), '-g', name, '-s', o.shell ?? '/bin/bash'];
    args.push('-d', o.home ?? `/home/${name}`, o.createHome === false ? '-M' : '-m');
    if (o.groups?.length) args.push('-G', o.groups.join(','));
    execFileSync('useradd', [...args, name], { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  async addToGroup(user: string, group: string): Promise<void> {
    execFileSync('usermod', ['--root', this.root, '-aG', group, user]);
  }

  async unit(name: string, content: string, dir = '/etc/systemd/system'): Promise<void> {
    await this.file(`${dir}/${name}`, content);
  }

  async remove(): Promise<void> {
    await fsp.rm(this.root, { recursive: true, force: true });
  }
}

export interface GitlabRunnerUnitOptions {
  /** --service NAME, also the EnvironmentFile's name; gitlab-runner by default. */
  service?: string;
  /** --working-directory; /home/gitlab-runner by default. */
  workingDirectory?: string;
  config?: string;
  /** --user U: the runner drops to U for jobs. */
  userArg?: string;
  /** A User= line (an admin's edit: the whole service runs as that user). */
  user?: string;
  /** --user-service: no --user, WantedBy=default.target; the caller puts it in ~/.config/systemd/user. */
  userService?: boolean;
  /** More [Service] lines. */
  extra?: string;
}

/**
 * The unit `gitlab-runner install` writes through kardianos/service, its
 * quoted arguments in the order it writes them: `run --working-directory W
 * [--config C] --service NAME [--user U]`.
 */
export function gitlabRunnerUnit(o: GitlabRunnerUnitOptions = {}): string {
  const service = o.service ?? 'gitlab-runner';
  const args = ['"run"', '"--working-directory"', `"${o.workingDirectory ?? '/home/gitlab-runner'}"`];
  if (o.config) args.push('"--config"', `"${o.config}"`);
  args.push('"--service"', `"${service}"`);
  if (o.userArg) args.push('"--user"', `"${o.userArg}"`);
  return `[Unit]
Description=GitLab Runner
ConditionFileIsExecutable=/usr/bin/gitlab-runner
After=network.target

[Service]
StartLimitInterval=5
StartLimitBurst=10
ExecStart=/usr/bin/gitlab-runner ${args.join(' ')}
${o.user ? `User=${o.user}\n` : ''}Restart=always
RestartSec=120
EnvironmentFile=-/etc/sysconfig/${service}
${o.extra ?? ''}
[Install]
WantedBy=${o.userService ? 'default.target' : 'multi-user.target'}
`;
}

/** Sets the mtime of `target` and everything below it to `hoursAgo` hours ago (bottom-up, links untouched). */
export async function ageTree(t: FixtureTree, target: string, hoursAgo: number): Promise<void> {
  const when = new Date(Date.now() - hoursAgo * 3600_000);
  const visit = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p);
    if (st.isDirectory()) for (const e of await fsp.readdir(p)) await visit(path.join(p, e));
    if (!st.isSymbolicLink()) await fsp.utimes(p, when, when);
  };
  await visit(t.p(target));
}

/**
 * A shell-executor GitLab runner host whose job runs as uid 999 and owns
 * /home/gitlab-runner, with a root-only /srv/secret (0700) outside every
 * scanned tree: what a job wants a scan to read for it.
 */
export async function shellRunnerHost(t: FixtureTree): Promise<void> {
  await t.dir('/home', { mode: 0o755 });
  await t.useradd('gitlab-runner', { uid: 999 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
  await t.dir('/home/gitlab-runner', { mode: 0o755, uid: 999, gid: 999 });
  await t.dir('/srv/secret', { mode: 0o700 });
}

/** A GitLab job checkout under `dir`, with a git remote URL as the runner writes it. */
export async function jobCheckout(t: FixtureTree, dir: string, opts: { remote?: string; bytes?: number } = {}): Promise<void> {
  await t.file(`${dir}/.git/HEAD`, 'ref: refs/heads/main\n');
  await t.file(`${dir}/.git/index`, Buffer.alloc(64));
  await t.file(`${dir}/.git/config`, `[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = ${opts.remote ?? 'https://gitlab.example.com/group/project.git'}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`);
  await t.file(`${dir}/src/main.c`, Buffer.alloc(opts.bytes ?? 1000, 'x'));
}

/**
 * The SysV script `gitlab-runner install` writes through kardianos/service
 * (service_sysv_linux.go) on a host without systemd, at /etc/init.d/NAME,
 * mode 0755: each argument quoted by the template's `cmd` function.
 */
export function gitlabRunnerInitScript(o: { service?: string; config: string; workingDirectory: string; userArg?: string }): string {
  const args = ['run', '--working-directory', o.workingDirectory, '--config', o.config, '--service', o.service ?? 'gitlab-runner', '--syslog'];
  if (o.userArg) args.push('--user', o.userArg);
  const cmd = `/usr/bin/gitlab-runner${args.map((a) => ` "${a.replace(/"/g, '\\"')}"`).join('')}`;
  return `#!/bin/sh
# For RedHat and cousins:
# chkconfig: - 99 01
# description: GitLab Runner
# processname: /usr/bin/gitlab-runner

### BEGIN INIT INFO
# Provides:          /usr/bin/gitlab-runner
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: GitLab Runner
# Description:       GitLab Runner
### END INIT INFO

cmd="${cmd}"

name=$(basename $(readlink -f $0))
pid_file="/var/run/$name.pid"
stdout_log="/var/log/$name.log"
stderr_log="/var/log/$name.err"

[ -e /etc/sysconfig/$name ] && . /etc/sysconfig/$name

get_pid() {
    cat "$pid_file"
}

is_running() {
    [ -f "$pid_file" ] && cat /proc/$(get_pid)/stat > /dev/null 2>&1
}

case "$1" in
    start)
        if is_running; then
            echo "Already started"
        else
            echo "Starting $name"
            cd '${o.workingDirectory}'
            $cmd >> "$stdout_log" 2>> "$stderr_log" &
            echo $! > "$pid_file"
            if ! is_running; then
                echo "Unable to start, see $stdout_log and $stderr_log"
                exit 1
            fi
        fi
    ;;
    stop)
        if is_running; then
            kill $(get_pid)
        else
            echo "Not running"
        fi
    ;;
    *)
    echo "Usage: $0 {start|stop|restart|status}"
    exit 1
    ;;
esac
exit 0
`;
}

/** A GitLab shell runner (gitlab-runner, uid 999) whose jobs left `n` checkouts, each with a CI job token in its .git/config (glcbt-64_FLOOD<i>). */
export async function tokenFlood(t: FixtureTree, n = 130): Promise<void> {
  await t.useradd('gitlab-runner', { uid: 999 });
  await t.file('/usr/bin/gitlab-runner', '#!/bin/sh\n', { mode: 0o755 });
  await t.unit('gitlab-runner.service', gitlabRunnerUnit({ config: '/etc/gitlab-runner/config.toml', userArg: 'gitlab-runner' }));
  await t.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "shell-1"\n  executor = "shell"\n', { mode: 0o600 });
  for (let i = 0; i < n; i++) {
    await t.file(`/home/gitlab-runner/builds/tok/0/g/p${i}/.git/config`, `[remote "origin"]\n\turl = https://gitlab-ci-token:glcbt-64_FLOOD${i}@gitlab.example.com/g/p.git\n`, { uid: 999, gid: 999 });
  }
}
