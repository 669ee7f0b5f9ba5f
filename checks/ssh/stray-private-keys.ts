import { overflowDraft } from '../../agent/engine/cap.js';
import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import type { FindingDraft } from '../../agent/engine/types.js';
import { runnerDirsFact } from '../../agent/facts/runner-dirs.js';
import { MAX_KEY_FILE_BYTES, scanForKeys, type ScanRoot } from '../../agent/util/key-scan.js';
import { describeKey } from '../../agent/util/private-key.js';
import { normalizeTargetPath } from '../../agent/util/target-path.js';
import { unknownDirs } from '../build/dirs-known.js';
import { REF } from '../references.js';
import { runnerUsers } from '../runner-users.js';

/** Most unreadable paths listed in one evidence line; the rest are counted. */
const MAX_LISTED = 10;

const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

function listed(label: string, items: string[], count = items.length): string {
  const more = count > Math.min(items.length, MAX_LISTED) ? ` and ${count - Math.min(items.length, MAX_LISTED)} more` : '';
  return `${label}: ${items.slice(0, MAX_LISTED).join(', ')}${more}`;
}

export default defineCheck({
  meta: {
    id: 'RG-SSH-001',
    title: 'No stray private keys',
    severity: 'high',
    area: 'ssh',
    rationale:
      'Every job runs as the runner user and can read what it can read. A private key in its home, in a builds or cache dir, in /tmp or readable by everyone takes a malicious job from this host to every server, repository or cloud account the key opens.',
    references: [REF.glSecureHost, REF.modelSecrets, REF.guideChecklistHost],
    reads: [
      'the first 8 KiB of every file of key size (no file name trusted) in the runner users\' homes, the runner builds/cache dirs, /tmp',
      'files readable by others under /home, /root, /tmp',
      'no link followed, one filesystem per tree',
    ],
    remediation: {
      summary:
        'Move the key off the host (or at least out of the runner user\'s reach and chmod 0600 in its owner\'s ~/.ssh), then rotate it: assume every job that ran here could have copied it. Give jobs keys through CI variables or a secrets manager, per job.',
      automated: 'RG-SSH-001',
    },
    timeoutMs: 120_000,
  },
  async run(ctx) {
    const [runners, dirs, users] = await Promise.all([runnerUsers(ctx), ctx.facts.get(runnerDirsFact), ctx.host.users()]);
    const roots: ScanRoot[] = [];
    const notes: string[] = [];
    for (const r of runners) {
      const home = users.user(r.name)?.home;
      if (!home) notes.push(`runner user ${r.name} has no home in /etc/passwd`);
      // A home of / would mean the whole disk: the others-readable pass still covers /home, /root, /tmp.
      else if (normalizeTargetPath(home) === '/') notes.push(`runner user ${r.name} has / as its home: not scanned as a whole`);
      else roots.push({ path: home, scope: 'all', why: `in the home of runner user ${r.name}` });
    }
    for (const d of dirs) roots.push({ path: d.path, scope: 'all', why: `in the ${d.kind} dir of ${d.owner}` });
    roots.push({ path: '/tmp', scope: 'all', why: 'in /tmp' });
    for (const p of ['/home', '/root', '/tmp']) roots.push({ path: p, scope: 'others-readable', why: `under ${p}` });

    const scan = await scanForKeys(ctx.host.fs, roots, ctx.signal);
    const broken = await unknownDirs(ctx);
    if (scan.walked.length === 0 && scan.unreadable.count === 0 && broken.length === 0) {
      return [verdict.skip('private-keys', 'nothing to scan: no /home, /root or /tmp, no runner home, builds or cache dir')];
    }
    const findings: FindingDraft[] = [];
    for (const k of scan.keys.items) {
      const what = describeKey(k.key);
      findings.push({
        ...verdict.fail(k.path, `${what} ${k.reasons.join('; ')}`, [
          `type: ${what}`,
          `fingerprint ${k.fingerprint} (first 12 hex of SHA-256 of the file)`,
          `mode ${k.mode.toString(8).padStart(4, '0')}, owner ${users.userName(k.uid)}:${users.groupName(k.gid)}, ${k.size} bytes`,
        ]),
        bytes: k.size,
      });
    }
    if (scan.keys.omitted > 0) {
      const listedBytes = scan.keys.items.reduce((n, k) => n + k.size, 0);
      findings.push(overflowDraft('path', { count: scan.keys.omitted, bytes: scan.keys.bytes - listedBytes, statuses: { fail: scan.keys.omitted }, examples: [] }));
    }
    // What could not be read or reached may hold a key: never a silent pass.
    const blind: string[] = [];
    if (scan.unreadable.count) blind.push(listed(`not readable, not scanned (${scan.unreadable.count})`, scan.unreadable.items, scan.unreadable.count));
    if (scan.aborted) blind.push(`the scan was stopped (check timeout) with ${scan.notWalked} dir(s) not walked`);
    else if (scan.notWalked) blind.push(`${scan.notWalked} dir(s) not walked: more dirs pending than the walk keeps at once`);
    if (blind.length) findings.push(verdict.warn('private-keys', 'part of the places where stray keys are looked for could not be scanned: keys there were not seen', blind));
    if (findings.length > 0) return [...broken, ...findings];
    const total = scan.walked.reduce((n, w) => n + w.files, 0);
    const evidence = scan.walked.map((w) => `${w.path}: ${files(w.files)} (${w.why})`);
    if (scan.tooBig) evidence.push(`${files(scan.tooBig)} over ${MAX_KEY_FILE_BYTES / 1024} KiB skipped (no key file is that large)`);
    evidence.push(...notes);
    return [...broken, verdict.pass(scan.walked.map((w) => w.path).join(', '), `no private key in ${files(total)}`, evidence)];
  },
});
