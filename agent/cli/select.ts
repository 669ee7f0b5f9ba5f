import type { Check } from '../engine/types.js';
import { UsageError } from './args.js';

/** Applies --only/--skip; an unknown id is a usage error (a typo must not run nothing). */
export function selectChecks(all: Check[], only?: string[], skip?: string[]): Check[] {
  const ids = new Set(all.map((c) => c.meta.id));
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!ids.has(id)) throw new UsageError(`unknown check id "${id}" (see: runnerguard checks)`);
  }
  return all.filter((c) => (!only || only.includes(c.meta.id)) && !(skip ?? []).includes(c.meta.id));
}
