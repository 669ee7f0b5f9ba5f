import { describe, expect, it } from 'vitest';
import { createHost } from '../../agent/host/index.js';

describe('live exec', () => {
  const h = createHost();

  it('runs argv without a shell and captures output', async () => {
    const r = await h.exec(['printf', '%s|', 'a b', '$HOME'], { timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('a b|$HOME|');
    expect(r.failure).toBeUndefined();
  });

  it('reports a missing command without throwing', async () => {
    const r = await h.exec(['runnerguard-no-such-command'], { timeoutMs: 5000 });
    expect(r.failure).toBe('not-found');
    expect(r.message).toContain('command not found');
  });

  it('kills a hung command at its timeout', async () => {
    const t0 = Date.now();
    const r = await h.exec(['sleep', '30'], { timeoutMs: 300 });
    expect(r.failure).toBe('timeout');
    expect(r.message).toContain('timed out after 300 ms');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('kills a command that ignores SIGTERM', async () => {
    const r = await h.exec(['sh', '-c', 'trap "" TERM; sleep 30'], { timeoutMs: 300 });
    expect(r.failure).toBe('timeout');
  });

  it('keeps a non-zero exit code as a normal result', async () => {
    const r = await h.exec(['sh', '-c', 'echo err >&2; exit 3'], { timeoutMs: 5000 });
    expect(r).toMatchObject({ exitCode: 3, stderr: 'err\n' });
    expect(r.failure).toBeUndefined();
  });

  it('caps runaway output', async () => {
    const r = await h.exec(['yes'], { timeoutMs: 10_000, maxBuffer: 1024 * 1024 });
    expect(r.failure).toBe('output-too-large');
  });
});
