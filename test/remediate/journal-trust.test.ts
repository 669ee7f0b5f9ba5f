// Journal reads go through agent/host/trust.ts: a rollback acts as root on what
// the journal says, so it is read only from root-controlled dirs and files.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal } from '../../agent/remediate/journal.js';
import { latestRun } from '../../agent/remediate/rollback.js';

let state: string;
beforeEach(async () => {
  state = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-journal-trust-'));
});
afterEach(async () => {
  await fsp.rm(state, { recursive: true, force: true });
});

const RUN = '20260101T000000Z-abcdef';

describe('Journal and trust', () => {
  it('create makes journal/<run>/blobs 0700 root; open and get read back what root wrote', async () => {
    const j = await Journal.create(state, RUN, '/');
    for (const d of [Journal.root(state), j.dir, path.join(j.dir, 'blobs')]) {
      const st = await fsp.stat(d);
      expect([st.uid, st.mode & 0o7777]).toEqual([0, 0o700]);
    }
    const hash = await j.put(Buffer.from('before'));
    const again = await Journal.open(state, RUN);
    expect(again.doc.runId).toBe(RUN);
    expect((await again.get(hash)).toString()).toBe('before');
    expect(await latestRun(state)).toBe(RUN);
  });

  it('a journal.json, a blob or a run dir uid 999 owns is refused (EUNTRUSTED), naming it', async () => {
    const j = await Journal.create(state, RUN, '/');
    const hash = await j.put(Buffer.from('before'));
    const blob = path.join(j.dir, 'blobs', hash);
    await fsp.chown(blob, 999, 999);
    await expect((await Journal.open(state, RUN)).get(hash)).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${blob} is owned by uid 999 (mode 0600)` });
    await fsp.chown(path.join(j.dir, 'journal.json'), 999, 999);
    await expect(Journal.open(state, RUN)).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${j.dir}/journal.json is owned by uid 999 (mode 0600)` });
    await expect(latestRun(state)).rejects.toMatchObject({ code: 'EUNTRUSTED' });
    await fsp.chown(Journal.root(state), 999, 999);
    await expect(Journal.list(state)).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${Journal.root(state)} is owned by uid 999 (mode 0700)` });
    // create refuses to write into it, and changes nothing there.
    await expect(Journal.create(state, '20260101T000001Z-abcdef', '/')).rejects.toMatchObject({ code: 'EUNTRUSTED' });
    expect(await fsp.readdir(Journal.root(state))).toEqual([RUN]);
  });

  it('a journal.json swapped for a link, even root\'s to a root file elsewhere, is read only when that file is root-controlled', async () => {
    const j = await Journal.create(state, RUN, '/');
    const other = await fsp.mkdtemp(path.join(os.tmpdir(), 'rg-journal-other-'));
    try {
      await fsp.copyFile(path.join(j.dir, 'journal.json'), path.join(other, 'journal.json'));
      await fsp.rm(path.join(j.dir, 'journal.json'));
      await fsp.symlink(path.join(other, 'journal.json'), path.join(j.dir, 'journal.json'));
      expect((await Journal.open(state, RUN)).doc.runId).toBe(RUN); // root's link to root's file: root's own doing
      await fsp.chown(other, 999, 999);
      await expect(Journal.open(state, RUN)).rejects.toMatchObject({ code: 'EUNTRUSTED', reason: `${other} is owned by uid 999 (mode 0700)` });
    } finally {
      await fsp.rm(other, { recursive: true, force: true });
    }
  });

  it('a run id is never a path: ../ and / are no run ids', async () => {
    for (const id of ['../../etc', `${RUN}/../..`, '/tmp/x', '']) {
      await expect(Journal.open(state, id)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(Journal.create(state, id, '/')).rejects.toThrow(/not a run id/);
    }
  });
});
