import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { lsVersionCompare } from '../../../checks/audit/ls-version-order.js';

// augenrules merges rules.d in `ls -1v` order; the check must read them in the same order.
it('orders rules.d file names exactly as ls -1v does', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rg-lsv-'));
  try {
    const names = ['audit.rules', '10-docker.rules', '99-finalize.rules', '9-x.rules', '010-y.rules', 'a-b.rules', 'ab.rules', 'A.rules', '_z.rules', 'x~1.rules', 'x1.rules', 'x.rules', '30-stig.rules', '30-pci-dss-v31.rules', '43-module-load.rules'];
    for (const n of names) writeFileSync(path.join(dir, n), '');
    const ls = execFileSync('ls', ['-1v', dir], { encoding: 'utf8', env: { LC_ALL: 'C' } }).trim().split('\n');
    expect(readdirSync(dir).sort(lsVersionCompare)).toEqual(ls);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
