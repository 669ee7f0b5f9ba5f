import TOML from '@iarna/toml';
import { describe, expect, it } from 'vitest';
import { locateConfigLines } from '../../agent/facts/gitlab-config-lines.js';

// A config as registered runners leave it, with the shapes that trip a line-based locator.
const CONFIG = [
  'concurrent = 2', // 1
  'listen_address = ":9252"', // 2
  '[session_server]', // 3
  '  session_timeout = 1800', // 4
  '[[runners]]', // 5
  '\tname = "a"', // 6
  '\tpre_build_script = """', // 7
  '[runners.docker]', // 8  (string data, not a table)
  'privileged = true', // 9  (string data, not a key)
  '"""', // 10
  '\t[runners.docker]', // 11
  '\t\tvolumes = [', // 12
  '\t\t\t"/cache", # [runners.ssh] in a comment', // 13
  '\t\t\t"/certs:/certs:ro", # x = y', // 14
  '\t\t]', // 15
  '\t\tprivileged = false', // 16
  '\t[runners.autoscaler]', // 17
  '\t\t[[runners.autoscaler.policy]]', // 18
  '\t\t\tidle_count = 1', // 19
  '\t\t[[runners.autoscaler.policy]]', // 20
  '\t\t\tidle_count = 5', // 21
  '\t\tmax_use_count = 3', // 22: belongs to the second policy table
  '[[runners]]', // 23
  '\tname = "b"', // 24
  '\t[runners.docker]', // 25
  '\t\t"privileged" = true', // 26
  '\t[runners.kubernetes.volumes]', // 27
  '\t\t[[runners.kubernetes.volumes.host_path]]', // 28
  '\t\t\tname = "hp"', // 29
  '',
].join('\n');

describe('locateConfigLines', () => {
  const lines = locateConfigLines(CONFIG);

  it('is given a document TOML accepts', () => {
    expect(() => TOML.parse(CONFIG)).not.toThrow();
  });

  it('indexes the sub-tables of every [[runners]] entry', () => {
    expect(lines.get('runners.0')).toBe(5);
    expect(lines.get('runners.0.docker')).toBe(11);
    expect(lines.get('runners.0.docker.privileged')).toBe(16);
    expect(lines.get('runners.1')).toBe(23);
    expect(lines.get('runners.1.docker')).toBe(25);
    expect(lines.get('runners.1.docker.privileged')).toBe(26);
  });

  it('skips the insides of multi-line strings and arrays, comments included', () => {
    expect(lines.get('runners.0.pre_build_script')).toBe(7);
    expect(lines.get('runners.0.docker.volumes')).toBe(12);
    expect(lines.get('runners.0.ssh')).toBeUndefined();
    expect([...lines.keys()].filter((k) => /(^|\.)(x|privileged)$/.test(k) && !k.includes('.docker.'))).toEqual([]);
    expect(lines.get('runners.0.privileged')).toBeUndefined();
  });

  it('indexes nested arrays of tables under their runner', () => {
    expect(lines.get('runners.0.autoscaler.policy.0.idle_count')).toBe(19);
    expect(lines.get('runners.0.autoscaler.policy.1.idle_count')).toBe(21);
    expect(lines.get('runners.0.autoscaler.policy.1.max_use_count')).toBe(22);
    expect(lines.get('runners.0.autoscaler.max_use_count')).toBeUndefined();
    expect(lines.get('runners.1.kubernetes.volumes.host_path.0.name')).toBe(29);
  });

  it('locates top-level keys and plain tables', () => {
    expect(lines.get('listen_address')).toBe(2);
    expect(lines.get('session_server.session_timeout')).toBe(4);
  });
});
