// Binds each proto:host:port given (TCP listen or UDP bind), then writes the ready file.
import { writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';

const [ready, ...endpoints] = process.argv.slice(2);
await Promise.all(
  endpoints.map((ep) => {
    const [proto, ...rest] = ep.split(':');
    const port = Number(rest.pop());
    const host = rest.join(':');
    if (proto === 'udp') {
      const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      return new Promise((resolve, reject) => s.bind(port, host, resolve).once('error', reject));
    }
    const server = net.createServer((c) => c.end());
    return new Promise((resolve, reject) => server.listen(port, host, resolve).once('error', reject));
  }),
);
writeFileSync(ready, 'ready\n');
setTimeout(() => process.exit(0), 120_000);
