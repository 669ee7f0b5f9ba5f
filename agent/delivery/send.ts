import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { reportUrlProblem } from '../config/report-url.js';
import type { AgentConfig, ReportFormat } from '../config/schema.js';
import { readRootFile, TrustError } from '../host/trust.js';
import { VERSION } from '../version.js';
import { deliveryBody } from './body.js';

export type SendResult =
  | { ok: true; status: number }
  | { ok: false; retry: true; status?: number; retryAfterMs?: number; error: string }
  | { ok: false; retry: false; status: number; error: string };

/** A delivery setting that can never work (refused before any connection). */
export class DeliveryConfigError extends Error {
  override name = 'DeliveryConfigError';
}

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem'];

export interface Transport {
  url: URL;
  agent: http.Agent;
  headers: Record<string, string>;
  /** The body posted for a spooled report (agent/delivery/body.ts). */
  format: ReportFormat;
  gzipMin: number;
  timeoutMs: number;
  connectTimeoutMs: number;
}

/** Bounds on what a credential file may cost to read: a CA bundle is ~200 KB, a key or token far less. */
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;
const MAX_SMALL_BYTES = 1024 * 1024;

/**
 * A credential file, read only when root-controlled (agent/host/trust.ts).
 * One someone else could write is a TrustError (EUNTRUSTED): the command
 * stops with exit 2 before any connection, as whoever can write the CA file
 * can read the token and the report. A missing file or a private one others
 * can read stays a DeliveryConfigError (logged; the reports stay spooled).
 */
async function readCredential(file: string, what: string, o: { secret?: boolean; maxBytes?: number } = {}): Promise<Buffer> {
  try {
    return await readRootFile(file, what, { maxBytes: o.maxBytes ?? MAX_SMALL_BYTES, secret: o.secret });
  } catch (err) {
    if (err instanceof TrustError && err.code !== 'EUNTRUSTED') throw new DeliveryConfigError(err.message);
    throw err;
  }
}

/**
 * TLS always verified: against ca_file, or the system CA bundle (Node's own
 * bundle is not what an admin manages). Mutual TLS with cert_file/key_file;
 * the token of a private token_file sent as `Authorization: <auth_scheme>
 * <token>` (Bearer, Splunk for Splunk HEC, ApiKey for Elastic). Plain http
 * only to loopback.
 */
export async function createTransport(cfg: AgentConfig['report']): Promise<Transport> {
  if (!cfg.url) throw new DeliveryConfigError('[report] url is not set');
  const why = reportUrlProblem(cfg.url);
  if (why) throw new DeliveryConfigError(`[report] url ${cfg.url}: ${why}`);
  const url = new URL(cfg.url);
  const headers: Record<string, string> = { 'User-Agent': `runnerguard/${VERSION} (node ${process.version})` };
  if (cfg.token_file) {
    const token = (await readCredential(cfg.token_file, 'token_file', { secret: true })).toString('utf8').trim();
    // A header may not hold a line break or other control bytes: Node would throw at send time, on every report.
    if (!token || /[\u0000-\u001f\u007f]/.test(token)) throw new DeliveryConfigError('token_file: the token is empty or holds control characters (one line expected)');
    headers.Authorization = `${cfg.auth_scheme} ${token}`;
  }
  let agent: http.Agent;
  if (url.protocol === 'https:') {
    let ca: Buffer | undefined;
    if (cfg.ca_file) ca = await readCredential(cfg.ca_file, 'ca_file', { maxBytes: MAX_BUNDLE_BYTES });
    else {
      // The system bundle is held to the same rule: one a non-root user could write is no anchor.
      for (const b of SYSTEM_BUNDLES) {
        if (!ca) ca = await readCredential(b, 'the system CA bundle', { maxBytes: MAX_BUNDLE_BYTES }).catch((err: unknown) => {
          if (err instanceof DeliveryConfigError) return undefined;
          throw err;
        });
      }
    }
    const cert = cfg.cert_file ? await readCredential(cfg.cert_file, 'cert_file') : undefined;
    const key = cfg.key_file ? await readCredential(cfg.key_file, 'key_file', { secret: true }) : undefined;
    if (Boolean(cert) !== Boolean(key)) throw new DeliveryConfigError('cert_file and key_file go together (mutual TLS)');
    agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 1, rejectUnauthorized: true });
  } else {
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }
  return { url, agent, headers, format: cfg.format, gzipMin: cfg.gzip_min_bytes, timeoutMs: cfg.timeout_ms, connectTimeoutMs: cfg.connect_timeout_ms };
}

/**
 * Retry-After (RFC 9110): delta-seconds, or an HTTP date (IMF-fixdate, as
 * servers send it; Date.parse alone would take "1.5" for a day in 2001).
 * Anything else is no Retry-After. The caller bounds it (retry_max_ms).
 */
export function parseRetryAfter(v: string | undefined, now = Date.now()): number | undefined {
  const s = v?.trim();
  if (!s) return undefined;
  if (/^\d+$/.test(s)) return Math.min(Number(s), 1e9) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/**
 * POSTs one report (the spooled JSON, in the transport's format). Never
 * throws: the caller decides between done, retry later and set aside; a
 * spooled body that is no report is a permanent failure (status 0).
 */
export function sendReport(t: Transport, id: string, json: string): Promise<SendResult> {
  let encoded;
  try {
    encoded = deliveryBody(t.format, json);
  } catch (err) {
    return Promise.resolve({ ok: false, retry: false, status: 0, error: `not a report: ${(err as Error).message}` });
  }
  const raw = Buffer.from(encoded.body);
  const gz = raw.length >= t.gzipMin;
  const body = gz ? gzipSync(raw) : raw;
  const headers = { ...t.headers, 'Content-Type': encoded.contentType, 'Idempotency-Key': id, 'Content-Length': String(body.length), ...(gz ? { 'Content-Encoding': 'gzip' } : {}) };
  const mod = t.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (!settled) {
        settled = true;
        clearTimeout(total);
        resolve(r);
      }
    };
    const req = mod.request(t.url, { method: 'POST', agent: t.agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
      res.on('error', (err) => done({ ok: false, retry: true, error: `response: ${err.message}` }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 300).trim();
        if (status >= 200 && status < 300) return done({ ok: true, status });
        const why = `HTTP ${status}${text ? `: ${text}` : ''}`;
        if (status === 408 || status === 429 || status >= 500) {
          return done({ ok: false, retry: true, status, retryAfterMs: parseRetryAfter(res.headers['retry-after'] as string | undefined), error: why });
        }
        done({ ok: false, retry: false, status, error: why });
      });
    });
    const total = setTimeout(() => {
      req.destroy(new Error(`no answer within ${t.timeoutMs} ms`));
    }, t.timeoutMs);
    req.on('socket', (sock) => {
      if (sock.connecting) {
        const ct = setTimeout(() => req.destroy(new Error(`connect timeout after ${t.connectTimeoutMs} ms`)), t.connectTimeoutMs);
        sock.once('connect', () => clearTimeout(ct));
        sock.once('close', () => clearTimeout(ct));
      }
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ? `${err.code}: ` : '';
      done({ ok: false, retry: true, error: `${code}${err.message}` });
    });
    req.end(body);
  });
}
