// `npm run package`: dist/packages/runnerguard_<version>_all.deb (dpkg-deb)
// and runnerguard-<version>-1.noarch.rpm (Debian's rpmbuild), from a clean
// clone, then lintian and rpmlint on them (exit 1 on an error from either).
// RUNNERGUARD_VERSION builds another version (the upgrade test's newer build).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDate, installedSizeKb, stageTree } from './package/stage.mjs';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const version = process.env.RUNNERGUARD_VERSION ?? pkg.version;
if (!/^\d+\.\d+\.\d+([+~][0-9A-Za-z.]+)?$/.test(version)) throw new Error(`version "${version}" suits neither dpkg nor rpm`);
const out = path.join(repo, 'dist/packages');
const work = path.join(out, `.build-${version}`);
const sh = (argv, opts = {}) => execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

/** The build tools, installed with apt-get when missing (idempotent: nothing fetched when present). */
function ensureTools() {
  const want = ['rpm', 'lintian', 'rpmlint'];
  const missing = want.filter((p) => !spawnSync('dpkg-query', ['-W', '-f=${Status}', p]).stdout.toString().includes('install ok installed'));
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // rpmlint is in bookworm main, but a mirror without it still gets both packages built.
  const available = missing.filter((p) => /Candidate: (?!\(none\))/.test(spawnSync('apt-cache', ['policy', p]).stdout.toString()));
  console.error(`package: installing ${available.join(' ')}`);
  if (available.length) {
    sh(['apt-get', 'update', '-qq'], { env });
    sh(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...available], { env });
  }
}

function buildDeb(root) {
  const control = path.join(root, 'DEBIAN');
  mkdirSync(control, { mode: 0o755 });
  const tpl = (f) => readFileSync(path.join(repo, 'packaging/debian', f), 'utf8');
  writeFileSync(path.join(control, 'control'), tpl('control.in').replace('@VERSION@', version).replace('@INSTALLED_SIZE@', String(installedSizeKb(root))));
  writeFileSync(path.join(control, 'conffiles'), tpl('conffiles'));
  for (const s of ['postinst', 'prerm', 'postrm']) {
    writeFileSync(path.join(control, s), tpl(s));
    chmodSync(path.join(control, s), 0o755);
  }
  const files = execFileSync('find', ['.', '-type', 'f', '!', '-path', './DEBIAN/*', '!', '-path', './etc/*'], { cwd: root }).toString().trim().split('\n').sort();
  const sums = files.map((f) => `${createHash('md5').update(readFileSync(path.join(root, f))).digest('hex')}  ${f.slice(2)}`);
  writeFileSync(path.join(control, 'md5sums'), sums.join('\n') + '\n');
  for (const f of ['control', 'conffiles', 'md5sums']) chmodSync(path.join(control, f), 0o644);
  const deb = path.join(out, `runnerguard_${version}_all.deb`);
  sh(['dpkg-deb', '--root-owner-group', '-Zxz', '--build', root, deb]);
  rmSync(control, { recursive: true });
  return deb;
}

/** "Sun Nov 22 2026", the date format of an rpm %changelog entry. */
const rpmDate = () => buildDate().replace(/^(\w+), (\d+) (\w+) (\d+) .*$/, (_, d, n, m, y) => `${d} ${m} ${n.padStart(2, '0')} ${y}`);

function buildRpm(root) {
  const top = path.join(work, 'rpmbuild');
  mkdirSync(path.join(top, 'SOURCES'), { recursive: true });
  sh(['cp', '-a', `${root}/.`, path.join(top, 'SOURCES/root')]);
  rmSync(path.join(top, 'SOURCES/root/usr/share/lintian'), { recursive: true }); // Debian's alone
  const licenses = [...new Set(readFileSync(path.join(root, 'usr/share/doc/runnerguard/copyright'), 'utf8').match(/^License: [^~\n]+/gm).map((l) => l.slice(9)))];
  const spec = path.join(top, 'runnerguard.spec');
  writeFileSync(spec, readFileSync(path.join(repo, 'packaging/rpm/runnerguard.spec.in'), 'utf8').replaceAll('@VERSION@', version).replace('@LICENSE@', licenses.join(' AND ')).replace('@CHANGELOG_DATE@', rpmDate()));
  sh(['rpmbuild', '--quiet', '-bb', '--define', `_topdir ${top}`, '--define', `_sourcedir ${path.join(top, 'SOURCES')}`, '--define', `_rpmdir ${path.join(top, 'RPMS')}`, spec], { stdio: ['ignore', 'ignore', 'inherit'] });
  const rpm = path.join(out, `runnerguard-${version}-1.noarch.rpm`);
  copyFileSync(path.join(top, 'RPMS/noarch', path.basename(rpm)), rpm);
  return rpm;
}

/** Runs a linter; returns its output and how many errors it reports. */
function lint(argv, errorRe) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`.trim();
  return { text, errors: text.split('\n').filter((l) => errorRe.test(l)).length };
}

ensureTools();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const bundle = path.join(work, 'runnerguard.mjs');
const metafile = path.join(work, 'meta.json');
sh(['npm', 'run', '--silent', 'build'], { cwd: repo, env: { ...process.env, RUNNERGUARD_OUTFILE: bundle, RUNNERGUARD_METAFILE: metafile, RUNNERGUARD_VERSION: version } });
const root = path.join(work, 'root');
stageTree({ repo, root, bundle, metafile, version });
const deb = buildDeb(root);
const rpm = buildRpm(root);
rmSync(work, { recursive: true, force: true });

let errors = 0;
const lintian = lint(['lintian', '--tag-display-limit', '0', '--info', deb], /^E: /);
console.log(`\n== lintian ${path.basename(deb)}\n${lintian.text || '(clean)'}`);
errors += lintian.errors;
if (spawnSync('rpmlint', ['--version']).status === 0) {
  const rl = lint(['rpmlint', '--config', path.join(repo, 'packaging/rpm/rpmlint.toml'), '--rpmlintrc', path.join(repo, 'packaging/rpm/rpmlintrc'), rpm], /: E: /);
  console.log(`\n== rpmlint ${path.basename(rpm)}\n${rl.text}`);
  errors += rl.errors;
} else {
  console.log('\n== rpmlint: not available on this machine');
}
for (const f of [deb, rpm]) console.log(`${path.relative(repo, f)}: ${statSync(f).size} bytes`);
process.exit(errors > 0 ? 1 : 0);
