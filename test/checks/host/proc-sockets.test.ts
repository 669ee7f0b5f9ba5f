import { describe, expect, it } from 'vitest';
import { parseProcNet, procAddress } from '../../../checks/host/proc-sockets.js';

describe('/proc/net addresses as the kernel writes them (little-endian words)', () => {
  it('IPv4 and IPv6, loopback, any and v4-mapped', () => {
    expect(procAddress('0100007F')).toBe('127.0.0.1');
    expect(procAddress('0A0200C0')).toBe('192.0.2.10');
    expect(procAddress('00000000000000000000000000000000')).toBe('::');
    expect(procAddress('00000000000000000000000001000000')).toBe('::1');
    expect(procAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
  });
  it('keeps TCP LISTEN and unconnected UDP rows only, up to the row cap', () => {
    const head = '  sl  local_address rem_address   st\n';
    const text = `${head}   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11 1\n   1: 0A0200C0:0016 0B0200C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 12 1\n`;
    expect(parseProcNet(text, 'tcp')).toEqual([{ proto: 'tcp', address: '0.0.0.0', port: 22, inode: '11' }]);
    const udp = `${head}   0: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 21 2\n   1: 0A0200C0:9C40 0B0200C0:0035 01 00000000:00000000 00:00000000 00000000     0        0 22 2\n`;
    expect(parseProcNet(udp, 'udp')).toEqual([{ proto: 'udp', address: '0.0.0.0', port: 68, inode: '21' }]);
  });
});
