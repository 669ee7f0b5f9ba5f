/**
 * A shared fact (the build scan) is stopped only when every check waiting
 * for it has given up: one check's timeout must not cut short another's
 * scan, and nobody waiting must mean no work.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../agent/config/schema.js';
import { SecretRegistry } from '../../agent/engine/redact.js';
import { createFacts, defineFact, type FactEnv } from '../../agent/facts/index.js';
import { createHost } from '../../agent/host/index.js';

function probe() {
  let env: FactEnv | undefined;
  let finish: (v: string) => void = () => {};
  const def = defineFact<string>('probe', (e) => {
    env = e;
    return new Promise((r) => (finish = r));
  });
  return { def, env: () => env!, finish: (v: string) => finish(v) };
}

describe('Facts signals', () => {
  it('aborts a load once every waiting check has aborted, not before', async () => {
    const facts = createFacts(createHost({ root: '/' }), defaultConfig(), new SecretRegistry());
    const p = probe();
    const a = new AbortController();
    const b = new AbortController();
    void facts.withSignal(a.signal).get(p.def);
    const second = facts.withSignal(b.signal).get(p.def);
    a.abort(new Error('a timed out'));
    expect(p.env().signal.aborted).toBe(false); // b still waits
    b.abort(new Error('b timed out'));
    expect(p.env().signal.aborted).toBe(true);
    p.finish('partial');
    expect(await second).toBe('partial');
  });

  it('a caller without a signal keeps the load alive', async () => {
    const facts = createFacts(createHost({ root: '/' }), defaultConfig(), new SecretRegistry());
    const p = probe();
    const a = new AbortController();
    void facts.get(p.def, a.signal);
    void facts.get(p.def);
    a.abort();
    expect(p.env().signal.aborted).toBe(false);
    p.finish('done');
  });
});
