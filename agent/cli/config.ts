import { checkOptionSchemas } from '../../checks/index.js';
import { REMEDIATIONS } from '../../remediations/index.js';
import { loadConfig } from '../config/load.js';
import type { AgentConfig } from '../config/schema.js';

/** The config as every command loads it: check options and remediation ids validated against the catalogue. */
export function loadAgentConfig(file: string | undefined): Promise<AgentConfig> {
  return loadConfig(file, checkOptionSchemas(), REMEDIATIONS.map((r) => r.meta.id));
}
