/**
 * A worker thread of the build scan (agent/facts/scan-pool.ts): walks the
 * job dirs and groups it is handed, one at a time, each through the open
 * handle the scan holds (worker threads share the process's fds), with the
 * same TreeScan the scan runs, and posts back what it found. Bundled apart
 * and embedded in the bundle as a string, so a worker loads this alone
 * (~50 ms), not the whole agent.
 */
import { parentPort } from 'node:worker_threads';
import { GitlabLayout } from './job-layout.js';
import type { UnitDone, UnitMessage } from './scan-messages.js';
import { TreeScan } from './tree-scan.js';

const port = parentPort!;
const stop = new AbortController();
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: UnitMessage | { type: 'abort' }) => {
  if (m.type === 'abort') {
    stop.abort();
    return;
  }
  queue = queue.then(() => runUnit(m));
});
port.postMessage({ type: 'ready' });

async function runUnit(m: UnitMessage): Promise<void> {
  const layout = new GitlabLayout();
  const rel = m.from.shown.join('/');
  // A job dir as the scan's layout knows it; a group, decided by its listing as the scan would.
  if (m.unit.kind === 'job') layout.result.jobs.set(rel, { ...m.unit.job });
  else layout.expect(rel, m.from.exact);
  const shard = m.unit.kind === 'group' ? m.unit.shard : undefined;
  const scan = new TreeScan(m.base, m.cutoffMs, layout, shard ? { shard, depth: m.from.shown.length } : undefined);
  let done: UnitDone;
  try {
    // A part of a group: the scan listed the group and counted its entries already.
    done = { type: 'done', id: m.id, result: scan.result(await scan.run(m.from, stop.signal, shard !== undefined)) };
  } catch (err) {
    done = { type: 'done', id: m.id, error: (err as Error).message ?? String(err) };
  }
  port.postMessage(done);
}
