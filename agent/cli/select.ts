import type { Check } from '../engine/types.js';
import { UsageError } from './args.js';

/** An id in --only/--skip that is not in `ids` is a usage error (a typo must not run nothing). */
export function checkSelection(ids: readonly string[], only?: string[], skip?: string[]): void {
  const known = new Set(ids);
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.has(id)) throw new UsageError(`unknown check id "${id}" (see: runnerguard checks)`);
  }
}

/** Applies --only/--skip; an unknown id is a usage error (a typo must not run nothing). */
export function selectChecks(all: Check[], only?: string[], skip?: string[]): Check[] {
  checkSelection(
    all.map((c) => c.meta.id),
    only,
    skip,
  );
  return all.filter((c) => (!only || only.includes(c.meta.id)) && !(skip ?? []).includes(c.meta.id));
}
