// The installed tree both packages ship, staged under ROOT with its final
// modes (the packages' owner is root:root: dpkg-deb --root-owner-group, rpm %attr).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyrightFile } from './copyright.mjs';

/** gzip -9n: no name, no timestamp, so the same input gives the same bytes. */
function gzip9n(text) {
  return execFileSync('gzip', ['-9n', '-c'], { input: text, maxBuffer: 64 * 1024 * 1024 });
}

function put(root, rel, content, mode) {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

/** RFC 2822 date of the build (SOURCE_DATE_EPOCH when set, for reproducible builds). */
export function buildDate() {
  const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now();
  return new Date(epoch).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1, $2 $3 $4 $5 +0000');
}

/** packaging/prometheus/ files installed under /usr/share/runnerguard/prometheus/ (the rpm spec lists them too). */
export const PROMETHEUS_FILES = ['runnerguard.rules.yml', 'runnerguard-dashboard.json'];

/** The files the build writes next to the bundle (scripts/build.mjs), installed in /usr/lib/runnerguard. */
export const LIB_FILES = ['runnerguard.mjs', 'runnerguard-daemon.mjs'];

export function stageTree({ repo, root, bundle, metafile, version }) {
  const pk = (rel) => readFileSync(path.join(repo, 'packaging', rel), 'utf8');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  put(root, 'usr/bin/runnerguard', pk('runnerguard.sh'), 0o755);
  // Run through /usr/bin/node by the wrapper: the shebang of the dev bundles is dropped.
  for (const f of LIB_FILES) {
    const code = readFileSync(path.join(path.dirname(bundle), f), 'utf8').replace(/^#!.*\n/, '');
    put(root, `usr/lib/runnerguard/${f}`, code, 0o644);
  }
  put(root, 'usr/lib/systemd/system/runnerguard.service', pk('systemd/runnerguard.service'), 0o644);
  put(root, 'usr/lib/systemd/system/runnerguard.timer', pk('systemd/runnerguard.timer'), 0o644);
  put(root, 'usr/lib/systemd/system/runnerguard-egress.service', pk('systemd/runnerguard-egress.service'), 0o644);
  put(root, 'etc/runnerguard/config.toml', pk('config.toml'), 0o644);
  mkdirSync(path.join(root, 'var/lib/runnerguard'), { recursive: true });
  chmodSync(path.join(root, 'var/lib/runnerguard'), 0o700);
  put(root, 'usr/share/man/man8/runnerguard.8.gz', gzip9n(pk('runnerguard.8').replaceAll('@VERSION@', version)), 0o644);
  const doc = 'usr/share/doc/runnerguard';
  put(root, `${doc}/copyright`, copyrightFile(repo, metafile), 0o644);
  put(root, `${doc}/changelog.gz`, gzip9n(pk('debian/changelog.in').replaceAll('@VERSION@', version).replaceAll('@DATE@', buildDate())), 0o644);
  put(root, `${doc}/examples/remediate.conf`, pk('examples/remediate.conf'), 0o644);
  // The JSON Schema of the report, which runnerguard(8) points at.
  put(root, `${doc}/report.schema.json`, readFileSync(path.join(repo, 'docs/report.schema.json'), 'utf8'), 0o644);
  put(root, 'usr/share/lintian/overrides/runnerguard', pk('debian/lintian-overrides'), 0o644);
  // Where bash-completion loads it on demand (both distributions' layout).
  put(root, 'usr/share/bash-completion/completions/runnerguard', pk('completion/runnerguard.bash'), 0o644);
  // Fleet rules (and the dashboard) for the operator's Prometheus/Grafana: README "Metrics".
  const prom = 'usr/share/runnerguard/prometheus';
  for (const f of PROMETHEUS_FILES) put(root, `${prom}/${f}`, pk(`prometheus/${f}`), 0o644);
  for (const d of ['usr', 'usr/bin', 'usr/lib', 'usr/lib/runnerguard', 'usr/lib/systemd', 'usr/lib/systemd/system', 'etc', 'etc/runnerguard', 'var', 'var/lib', 'usr/share', 'usr/share/man', 'usr/share/man/man8', 'usr/share/doc', doc, `${doc}/examples`, 'usr/share/lintian', 'usr/share/lintian/overrides', 'usr/share/runnerguard', prom, 'usr/share/bash-completion', 'usr/share/bash-completion/completions']) {
    chmodSync(path.join(root, d), 0o755);
  }
}

/** Installed-Size in KiB, as dpkg-gencontrol counts it (du -k --apparent-size, roughly). */
export function installedSizeKb(root) {
  return Number(execFileSync('du', ['-s', '-k', '--apparent-size', '--exclude=DEBIAN', root]).toString().split('\t')[0]);
}

