import type { AgentConfig } from '../config/schema.js';
import type { SecretRegistry } from '../engine/redact.js';
import type { Host } from '../host/index.js';

export interface FactEnv {
  host: Host;
  config: AgentConfig;
  secrets: SecretRegistry;
  facts: Facts;
}

/** A shared, lazily computed piece of discovery (the runner config, the units...). */
export interface FactDef<T> {
  key: string;
  load(env: FactEnv): Promise<T>;
}

export function defineFact<T>(key: string, load: (env: FactEnv) => Promise<T>): FactDef<T> {
  return { key, load };
}

/** Memoizes facts for one audit, so checks running concurrently parse each input once. */
export class Facts {
  private readonly cache = new Map<string, Promise<unknown>>();
  private readonly env: FactEnv;

  constructor(host: Host, config: AgentConfig, secrets: SecretRegistry) {
    this.env = { host, config, secrets, facts: this };
  }

  get<T>(def: FactDef<T>): Promise<T> {
    let p = this.cache.get(def.key) as Promise<T> | undefined;
    if (!p) {
      p = def.load(this.env);
      this.cache.set(def.key, p);
    }
    return p;
  }
}

export function createFacts(host: Host, config: AgentConfig, secrets: SecretRegistry): Facts {
  return new Facts(host, config, secrets);
}
