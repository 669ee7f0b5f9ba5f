import { CATALOGUE, checkOptionSchemas } from '../../checks/index.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import type { FieldType } from '../config/schema.js';

/**
 * What the daemon parent needs of the catalogue to judge its command line
 * and config (check ids, check options, remediation ids) without holding
 * the catalogue: scripts/build.mjs computes it from the source and writes
 * it into runnerguard-daemon.mjs; the full program computes it at run time.
 */
export interface CatalogueFacts {
  checkIds: string[];
  optionSchemas: Record<string, Record<string, FieldType>>;
  remediationIds: string[];
}

export function catalogueFacts(): CatalogueFacts {
  return { checkIds: CATALOGUE.map((c) => c.meta.id), optionSchemas: checkOptionSchemas(), remediationIds: REMEDIATIONS.map((r) => r.meta.id) };
}
