import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { read, type Pki } from './pki.js';

export interface Received {
  id: string;
  auth?: string;
  gzip: boolean;
  userAgent?: string;
  body: { id: string; schema: string };
}

export type Reply = { status: number; retryAfter?: string; delayMs?: number };

/**
 * A real HTTPS collector on 127.0.0.1: mutual TLS required, bearer token
 * checked, bodies and Idempotency-Key recorded, deduplicated by key. Replies
 * come from a script (then 200).
 */
export class Collector {
  readonly received: Received[] = [];
  readonly script: Reply[] = [];
  requests = 0;
  /** Every request body as it arrived (gunzipped), whatever the reply: what could have leaked. */
  readonly bodies: string[] = [];
  /** TCP connections accepted, before any TLS: zero proves nothing at all reached it. */
  connections = 0;
  /** Replies written, whatever the client then did (a killed one never reads its reply). */
  replies = 0;
  /**
   * Requests not yet answered nor abandoned before their body ended: while
   * one is open, a reply (and a report in `received`) may still come of it.
   */
  open = 0;
  private server!: https.Server;
  port = 0;

  constructor(private readonly pki: Pki, private readonly token = 'test-token-0123456789') {}

  get url(): string {
    return `https://127.0.0.1:${this.port}/v1/reports`;
  }

  get tokenValue(): string {
    return this.token;
  }

  /** Distinct report ids, in arrival order. */
  ids(): string[] {
    return [...new Set(this.received.map((r) => r.id))];
  }

  async start(port = 0): Promise<void> {
    this.server = https.createServer(
      { key: read(this.pki.serverKey), cert: read(this.pki.serverCert), ca: read(this.pki.caCert), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        this.requests++;
        this.open++;
        let ended = false;
        // A client killed mid-body: no 'end', so no reply is coming of this one.
        req.on('close', () => {
          if (!ended) this.open--;
        });
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          ended = true;
          const all = Buffer.concat(chunks);
          this.bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(all) : all).toString('utf8'));
          const reply = this.script.shift() ?? { status: 200 };
          const respond = () => {
            this.replies++;
            this.open--;
            if (req.headers.authorization !== `Bearer ${this.token}`) {
              res.writeHead(401).end('bad token');
              return;
            }
            if (reply.status >= 200 && reply.status < 300) {
              const gzip = req.headers['content-encoding'] === 'gzip';
              const raw = Buffer.concat(chunks);
              const body = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8'));
              this.received.push({ id: String(req.headers['idempotency-key']), auth: req.headers.authorization, gzip, userAgent: req.headers['user-agent'], body });
            }
            res.writeHead(reply.status, reply.retryAfter ? { 'Retry-After': reply.retryAfter } : {}).end(reply.status < 300 ? 'ok' : 'try later');
          };
          if (reply.delayMs) setTimeout(respond, reply.delayMs);
          else respond();
        });
      },
    );
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
