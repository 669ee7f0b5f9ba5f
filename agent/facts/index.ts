import type { AgentConfig } from '../config/schema.js';
import type { SecretRegistry } from '../engine/redact.js';
import type { Host } from '../host/index.js';

export interface FactEnv {
  host: Host;
  config: AgentConfig;
  secrets: SecretRegistry;
  facts: Facts;
  /** When the audit started (what "old" is measured against). */
  now: Date;
  /**
   * Aborts once every check that asked for this fact has given up on it (a
   * timeout): the work stops when nobody waits for it any more. Long walks
   * pass it on to walk().
   */
  signal: AbortSignal;
}

/** A shared, lazily computed piece of discovery (the runner config, the units...). */
export interface FactDef<T> {
  key: string;
  load(env: FactEnv): Promise<T>;
}

export function defineFact<T>(key: string, load: (env: FactEnv) => Promise<T>): FactDef<T> {
  return { key, load };
}

/** One fact being loaded, and the checks still waiting for it. */
interface Entry {
  promise: Promise<unknown>;
  controller: AbortController;
  waiting: number;
  settled: boolean;
}

/** Memoizes facts for one audit, so checks running concurrently parse each input once. */
export class Facts {
  private readonly cache = new Map<string, Entry>();
  private readonly base: Omit<FactEnv, 'signal'>;

  constructor(host: Host, config: AgentConfig, secrets: SecretRegistry, now = new Date()) {
    this.base = { host, config, secrets, facts: this, now };
  }

  /**
   * The fact, loaded once. `signal` is the asking check's: when every check
   * waiting for a fact still loading has aborted, its load is aborted too.
   */
  get<T>(def: FactDef<T>, signal?: AbortSignal): Promise<T> {
    let e = this.cache.get(def.key);
    if (!e) {
      const controller = new AbortController();
      const entry: Entry = { controller, waiting: 0, settled: false, promise: Promise.resolve() };
      entry.promise = def.load({ ...this.base, signal: controller.signal }).finally(() => (entry.settled = true));
      this.cache.set(def.key, entry);
      e = entry;
    }
    const entry = e;
    if (!entry.settled) {
      // A caller without a signal waits for good: the load is never aborted under it.
      entry.waiting += signal ? 1 : Number.POSITIVE_INFINITY;
      signal?.addEventListener(
        'abort',
        () => {
          if (--entry.waiting <= 0 && !entry.settled) entry.controller.abort(signal.reason);
        },
        { once: true },
      );
    }
    return entry.promise as Promise<T>;
  }

  /** The same facts, asked for on behalf of one check: its signal goes with every get. */
  withSignal(signal: AbortSignal): Facts {
    const view = Object.create(this) as Facts;
    view.get = <T>(def: FactDef<T>, s?: AbortSignal) => this.get(def, s ?? signal);
    return view;
  }
}

export function createFacts(host: Host, config: AgentConfig, secrets: SecretRegistry, now?: Date): Facts {
  return new Facts(host, config, secrets, now);
}
