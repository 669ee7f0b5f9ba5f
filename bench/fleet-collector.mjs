// The fleet bench's collector (bench/fleet.mjs), in its own process: HTTPS
// with mutual TLS on 127.0.0.1, at most `capacity` requests handled at once
// (each held `serviceMs`, standing for the intake's indexing work); beyond
// that it sheds load at once, 503 and 429 (Retry-After) in turn. Each
// accepted body is gunzipped and parsed, and counted once by Idempotency-Key.
// Controlled over IPC: listen, close (the outage), stats.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';

const [capacity, serviceMs, retryAfterS] = process.argv.slice(2, 5).map(Number);
const [key, cert, ca, token] = process.argv.slice(5, 9);
const expectedAuth = `Bearer ${readFileSync(token, 'utf8').trim()}`;
const seen = new Set();
let stats;
const reset = () => (stats = { requests: 0, accepted: 0, shed: 0, duplicates: 0, bad: 0, inFlight: 0, peakInFlight: 0, conns: 0, peakConns: 0 });
reset();
let shedTurn = 0;

const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert), ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 5000 }, (req, res) => {
  stats.requests++;
  stats.inFlight++;
  stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
  res.once('close', () => stats.inFlight--);
  if (req.headers.authorization !== expectedAuth) {
    req.resume();
    res.writeHead(401).end();
    return;
  }
  if (stats.inFlight > capacity) {
    stats.shed++;
    req.resume();
    const tooMany = shedTurn++ % 2 === 1;
    res.writeHead(tooMany ? 429 : 503, tooMany ? { 'Retry-After': String(retryAfterS) } : {}).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const raw = Buffer.concat(chunks);
      const report = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
      const id = String(req.headers['idempotency-key']);
      if (report.id !== id) throw new Error('id mismatch');
      if (seen.has(id)) stats.duplicates++;
      seen.add(id);
      stats.accepted++;
      setTimeout(() => res.writeHead(202).end(), serviceMs);
    } catch {
      stats.bad++;
      res.writeHead(400).end();
    }
  });
});
server.on('secureConnection', (sock) => {
  stats.conns++;
  stats.peakConns = Math.max(stats.peakConns, stats.conns);
  sock.once('close', () => stats.conns--);
});

let port = 0;
process.on('message', (m) => {
  if (m.type === 'listen') {
    server.listen(port, '127.0.0.1', () => {
      port = server.address().port;
      process.send({ type: 'listening', port });
    });
  } else if (m.type === 'close') {
    server.close(() => process.send({ type: 'closed' }));
    server.closeAllConnections();
  } else if (m.type === 'stats') {
    process.send({ type: 'stats', stats: { ...stats, unique: seen.size } });
    const keep = { conns: stats.conns, inFlight: stats.inFlight };
    reset();
    Object.assign(stats, keep);
  } else if (m.type === 'exit') {
    process.exit(0);
  }
});
process.send({ type: 'ready' });
