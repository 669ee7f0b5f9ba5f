// Tries one TCP connection and prints what the kernel did: open, rejected (an ICMP error from a
// REJECT) or dropped (a DROP: EPERM for a local packet dropped in OUTPUT, a timeout when forwarded).
import net from 'node:net';

const [host, port, ms = '1500'] = process.argv.slice(2);
const sock = net.connect({ host, port: Number(port) });
const done = (what) => {
  process.stdout.write(`${what}\n`);
  sock.destroy();
  process.exit(0);
};
sock.setTimeout(Number(ms), () => done('dropped'));
sock.on('connect', () => done('open'));
const REJECTED = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'];
sock.on('error', (err) => done(REJECTED.includes(err.code) ? 'rejected' : err.code === 'EPERM' ? 'dropped' : `error ${err.code}`));
