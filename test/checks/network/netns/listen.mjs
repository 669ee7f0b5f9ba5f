// Listens on each host:port given, then writes the ready file: the "cloud" side of the namespace tests.
import { writeFileSync } from 'node:fs';
import net from 'node:net';

const [ready, ...endpoints] = process.argv.slice(2);
await Promise.all(
  endpoints.map((ep) => {
    const i = ep.lastIndexOf(':');
    const server = net.createServer((s) => {
      s.on('error', () => {}); // the prober resets at once
      s.end('hello\n');
    });
    return new Promise((resolve, reject) => server.listen(Number(ep.slice(i + 1)), ep.slice(0, i), resolve).once('error', reject));
  }),
);
writeFileSync(ready, 'ready\n');
setTimeout(() => process.exit(0), 120_000);
