import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ApplyResult } from '../../../agent/remediate/apply.js';

/** Where a run put a target path: <state_dir>/quarantine/<run-id>/<path>. */
export function quarantined(result: ApplyResult, target: string): string {
  return path.join(path.dirname(path.dirname(result.journalDir)), 'quarantine', result.runId, target);
}

/** The moved file holds `content` with its mode and owner, and every quarantine dir on the way is root's, 0700. */
export async function expectQuarantined(result: ApplyResult, target: string, content: Buffer | string, own: { mode: number; uid: number; gid: number }): Promise<void> {
  const stored = quarantined(result, target);
  expect(await fsp.readFile(stored)).toEqual(Buffer.from(content));
  const st = await fsp.lstat(stored);
  expect({ mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }).toEqual(own);
  const top = path.join(path.dirname(path.dirname(result.journalDir)), 'quarantine');
  for (let d = path.dirname(stored); d.length >= top.length; d = path.dirname(d)) {
    const s = await fsp.lstat(d);
    expect({ dir: d, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid }).toEqual({ dir: d, mode: 0o700, uid: 0, gid: 0 });
  }
}
