import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, runCli } from '../helpers/cli.js';

// Every file runnerguard acts on or walks is reached through /proc/self/fd
// (openat semantics). Without /proc it refuses at once, saying why, rather
// than reporting files "missing" or failing half way.

let bundle: string;
beforeAll(() => {
  bundle = buildBundle();
});

/** Runs the CLI in a mount namespace of its own whose /proc is unmounted (the host's stays). */
const noProc = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'umount -l /proc && exec "$@"', 'sh'];

describe('without /proc', () => {
  it('audit, fix and rollback exit 2 naming /proc; checks (no file access) still works', async () => {
    for (const args of [['audit'], ['fix', 'RG-RUN-002'], ['rollback']]) {
      const r = await runCli(bundle, args, { prefix: noProc });
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(/^runnerguard: \/proc is not mounted: runnerguard reaches every file through \/proc\/self\/fd/)]);
    }
    const ok = await runCli(bundle, ['checks'], { prefix: noProc });
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining('RG-RUN-002')]);
  });
});
