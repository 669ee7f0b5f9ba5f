// The packages as `npm run package` builds them (scripts/package.mjs), one
// build per version per test process.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { must } from './chroot.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BASE_VERSION: string = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

export interface Packages {
  version: string;
  deb: string;
  rpm: string;
  /** What the build printed: lintian and rpmlint output, sizes. */
  log: string;
}

const built = new Map<string, Promise<Packages>>();

export function buildPackages(version = BASE_VERSION): Promise<Packages> {
  let p = built.get(version);
  if (!p) {
    p = must([process.execPath, path.join(REPO, 'scripts/package.mjs')], { timeoutMs: 900_000, env: { ...process.env, RUNNERGUARD_VERSION: version } }).then((r) => ({
      version,
      deb: path.join(REPO, `dist/packages/runnerguard_${version}_all.deb`),
      rpm: path.join(REPO, `dist/packages/runnerguard-${version}-1.noarch.rpm`),
      log: r.stdout + r.stderr,
    }));
    built.set(version, p);
  }
  return p;
}
