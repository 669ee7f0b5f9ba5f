import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/** The OCSF 1.1.0 Compliance Finding schema of test/fixtures (see its README), compiled. */
export function ocsfValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(new URL('../fixtures/ocsf-1.1.0-compliance-finding.schema.json', import.meta.url), 'utf8')));
}

/** Asserts each line of `--format ocsf` output is one valid Compliance Finding. */
export function expectValidOcsf(lines: string): void {
  const validate = ocsfValidator();
  for (const line of lines.trim().split('\n')) {
    validate(JSON.parse(line));
    expect(validate.errors ?? [], `${line.slice(0, 200)}\n${JSON.stringify(validate.errors?.slice(0, 3))}`).toEqual([]);
  }
}
