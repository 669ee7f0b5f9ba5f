import type { FieldType } from '../agent/config/schema.js';
import type { Check } from '../agent/engine/types.js';
import runAsNonRoot from './runner/run-as-non-root.js';
import configPrivate from './runner/config-private.js';
import leftoverDirs from './build/leftover-dirs.js';
import credentialFiles from './build/credential-files.js';

/**
 * The catalogue: an explicit map, sorted by id, so `runnerguard checks`,
 * `explain` and the docs all come from one place. No directory scanning.
 */
const BY_ID: Record<string, Check> = {
  'RG-RUN-001': runAsNonRoot,
  'RG-RUN-002': configPrivate,
  'RG-BUILD-001': leftoverDirs,
  'RG-BUILD-002': credentialFiles,
};

export const CATALOGUE: Check[] = Object.keys(BY_ID)
  .sort()
  .map((id) => BY_ID[id]!);

export function checkById(id: string): Check | undefined {
  return BY_ID[id];
}

/** `[checks.<ID>]` option schemas, for config validation. */
export function checkOptionSchemas(): Record<string, Record<string, FieldType>> {
  return Object.fromEntries(CATALOGUE.filter((c) => c.meta.options).map((c) => [c.meta.id, c.meta.options!]));
}
