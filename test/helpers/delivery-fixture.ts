// What the delivery tests share: the built CLI, a throwaway PKI, a host root
// with one GitLab runner, and a config.toml that sends reports to a Collector
// over mutual TLS with a token file. Each test keeps its own work dir and
// says only what differs (timings, CA, client cert, extra TOML).
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildBundle } from './cli.js';
import type { Collector } from './collector.js';
import { FixtureTree } from './fixture-tree.js';
import { makePki, type Pki } from './pki.js';

export interface DeliveryHost {
  bundle: string;
  pki: Pki;
  root: FixtureTree;
  /** Removes the PKI, the root and the bundle's temp dir. */
  remove(): Promise<void>;
}

/** The bundle, a PKI and a root holding /etc/gitlab-runner/config.toml with one docker runner. */
export async function makeDeliveryHost(opts: { runnerBinary?: boolean } = {}): Promise<DeliveryHost> {
  const bundle = buildBundle();
  const pki = makePki();
  const root = await FixtureTree.create();
  await root.file('/etc/gitlab-runner/config.toml', '[[runners]]\n  name = "a"\n  executor = "docker"\n', { mode: 0o600 });
  if (opts.runnerBinary) await root.file('/usr/bin/gitlab-runner', '', { mode: 0o755 });
  return {
    bundle,
    pki,
    root,
    async remove() {
      await fsp.rm(pki.dir, { recursive: true, force: true });
      await root.remove();
      await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
    },
  };
}

/**
 * Registers the suite's hooks: the host is made before all tests and removed
 * after them. The object returned is filled in by beforeAll, so read its
 * fields inside hooks and tests only.
 */
export function useDeliveryHost(opts: { runnerBinary?: boolean } = {}): DeliveryHost {
  const host = {} as DeliveryHost;
  beforeAll(async () => {
    Object.assign(host, await makeDeliveryHost(opts));
  });
  afterAll(async () => {
    await host.remove?.();
  });
  return host;
}

/** A test's teardown: its collector stopped (if it started one) and its work dir removed. */
export async function stopAndRemove(collector: Collector | undefined, work: string | undefined): Promise<void> {
  await collector?.stop().catch(() => undefined);
  if (work) await fsp.rm(work, { recursive: true, force: true });
}

/** [report] timings short enough that a failing delivery gives up within the test. */
const QUICK_REPORT: Readonly<Record<string, number>> = { splay_max_ms: 0, retry_base_ms: 50, max_attempts: 1, timeout_ms: 3000, connect_timeout_ms: 1000 };

export interface DeliveryConfigOptions {
  /** The collector's URL. */
  url: string;
  pki: Pki;
  /** What the token file holds (a newline is added); the Collector's default token unless told. */
  token?: string;
  /** ca_file; the PKI's CA unless told. */
  ca?: string;
  /** false: no cert_file/key_file, so no client certificate is offered. */
  client?: boolean;
  /** The [report] settings after the TLS files, in order; QUICK_REPORT unless told. */
  report?: Readonly<Record<string, number>>;
  /** TOML appended as is (more [report] keys, or further tables). */
  extra?: string;
}

export interface DeliveryConfig {
  config: string;
  state: string;
  token: string;
}

/** Writes `work`/token and `work`/config.toml (both 0600) with state_dir `work`/state. */
export async function writeDeliveryConfig(work: string, opts: DeliveryConfigOptions): Promise<DeliveryConfig> {
  const token = path.join(work, 'token');
  await fsp.writeFile(token, `${opts.token ?? 'test-token-0123456789'}\n`, { mode: 0o600 });
  const state = path.join(work, 'state');
  const config = path.join(work, 'config.toml');
  const tls = `ca_file = "${opts.ca ?? opts.pki.caCert}"\n` + (opts.client === false ? '' : `cert_file = "${opts.pki.clientCert}"\nkey_file = "${opts.pki.clientKey}"\n`);
  const report = Object.entries(opts.report ?? QUICK_REPORT).map(([k, v]) => `${k} = ${v}\n`).join('');
  await fsp.writeFile(
    config,
    `[agent]\nstate_dir = "${state}"\n[report]\nurl = "${opts.url}"\ntoken_file = "${token}"\n${tls}${report}${opts.extra ?? ''}`,
    { mode: 0o600 },
  );
  return { config, state, token };
}
