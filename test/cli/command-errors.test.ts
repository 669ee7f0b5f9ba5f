/**
 * A command's failure as an exit code: a usage problem is 2 with the reason,
 * anything else is 3, logged (the logger is loaded only on this path) and
 * said on stderr without a stack trace or a job-chosen control character.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../agent/cli/args.js';
import { commandError } from '../../agent/cli/command-errors.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function stderrOf(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    lines.push(String(s));
    return true;
  });
  return lines;
}

describe('commandError', () => {
  it('a usage error: 2, the reason and the hint', async () => {
    const lines = stderrOf();
    expect(await commandError(new UsageError('unknown command "x"'))).toBe(2);
    expect(lines.join('')).toBe('runnerguard: unknown command "x"\nsee: runnerguard --help\n');
  });

  it('anything else: 3, "internal error" with the message neutralised, no stack', async () => {
    const lines = stderrOf();
    expect(await commandError(new Error('boom \x1b[31mred\n'))).toBe(3);
    const said = lines.filter((l) => l.startsWith('runnerguard: internal error:'));
    expect(said).toHaveLength(1);
    expect(said[0]).not.toContain('\x1b');
    expect(said[0]).not.toContain('    at ');
  });
});
