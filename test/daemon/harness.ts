// A daemon under test: the built bundle as a child process, its JSON log
// lines collected, and a plain-http collector on loopback (the agent allows
// http to loopback) whose replies can be held back to keep a cycle busy.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildBundle } from '../helpers/cli.js';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export class HttpCollector {
  /** Report ids in arrival order; `active`/`maxActive`: concurrent requests. */
  readonly ids: string[] = [];
  active = 0;
  maxActive = 0;
  /** How long each reply is held back. */
  delayMs = 0;
  private server = http.createServer((req, res) => {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.ids.push(String(req.headers['idempotency-key']));
    res.once('close', () => this.active--); // answered, or the client went away
    req.resume().on('end', () => setTimeout(() => res.destroyed || res.writeHead(202).end(), this.delayMs));
  });
  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/reports`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export class DaemonUnderTest {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'rg-daemon-'));
  readonly config = path.join(this.dir, 'config.toml');
  readonly state = path.join(this.dir, 'state');
  readonly target = path.join(this.dir, 'target');
  readonly lines: LogLine[] = [];
  stderr = '';
  child?: ChildProcess;
  exit?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(private readonly bundle: string) {}

  /** A config in TOML; state_dir and splay are filled in. */
  async writeConfig(body: string): Promise<void> {
    await fsp.writeFile(this.config, `[agent]\nstate_dir = "${this.state}"\n${body}`, { mode: 0o600 });
  }

  /**
   * Starts the daemon on an empty offline root (fast cycles, no commands run),
   * as /usr/bin/runnerguard does: runnerguard-daemon.mjs, built next to the
   * bundle, which forks the bundle for each cycle.
   */
  async start(extraArgs: string[] = []): Promise<void> {
    await fsp.mkdir(this.target, { recursive: true });
    const script = path.join(path.dirname(this.bundle), 'runnerguard-daemon.mjs');
    const child = spawn(process.execPath, [script, 'daemon', '--config', this.config, '--root', this.target, ...extraArgs], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH, RUNNERGUARD_LOG_LEVEL: 'debug' },
      // Its own process group: cleanup can kill the daemon and a cycle child together.
      detached: true,
    });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let buf = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (a child's usage message): kept in stderr only
        }
      }
    });
    await this.waitFor((l) => l.msg === 'daemon started');
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  /** Resolves with the first log line (from index `from`) matching, or fails after timeoutMs. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs = 30_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms; stderr:\n${this.stderr.slice(-3000)}`);
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`daemon exited ${this.child.exitCode}; stderr:\n${this.stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills what is left (a failed test must not leave a daemon behind) and removes the dir. */
  async cleanup(): Promise<void> {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await this.exit;
    }
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

export interface DaemonSuite {
  /** A daemon on the suite's bundle in a temp dir of its own; cleaned up after the test. */
  daemon(): DaemonUnderTest;
  /** A started collector; closed after the test. */
  collector(): Promise<HttpCollector>;
}

/**
 * Registers the hooks the daemon tests share (in the describe it is called
 * in, or the file): the bundle is built before all tests and removed after
 * them; what daemon() and collector() handed out is cleaned up after each
 * test, in the order it was handed out.
 */
export function useDaemonSuite(): DaemonSuite {
  let bundle: string;
  const open: Array<DaemonUnderTest | HttpCollector> = [];
  beforeAll(() => {
    bundle = buildBundle();
  });
  afterAll(async () => {
    await fsp.rm(path.dirname(bundle), { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await (o instanceof DaemonUnderTest ? o.cleanup() : o.close());
  });
  return {
    daemon() {
      const d = new DaemonUnderTest(bundle);
      open.push(d);
      return d;
    },
    async collector() {
      const c = await new HttpCollector().start();
      open.push(c);
      return c;
    },
  };
}

/** Polls `cond` every 50 ms; fails naming `what` after timeoutMs. */
export async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
