import { describe, expect, it } from 'vitest';
import { parseNetTcp } from '../../agent/facts/dockerd-live.js';

// Lines as /proc/net/tcp6 prints them on x86-64 (each 32-bit word in host order).
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0948 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0949 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
   3: 00000000000000000000000000000000:094A 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0
`;

describe('parseNetTcp', () => {
  it('IPv6 listeners of the given inodes, compressed as RFC 5952 writes them; established sockets and other inodes left out', () => {
    expect(parseNetTcp(TCP6, 'tcp6', new Set(['111', '222', '333', '444']))).toEqual([
      { addr: '::', port: 2375, proto: 'tcp6' },
      { addr: '::1', port: 2376, proto: 'tcp6' },
      { addr: '::ffff:127.0.0.1', port: 2377, proto: 'tcp6' },
    ]);
    expect(parseNetTcp(TCP6, 'tcp6', new Set(['222']))).toEqual([{ addr: '::1', port: 2376, proto: 'tcp6' }]);
  });

  it('IPv4: 0100007F is 127.0.0.1, 00000000 is 0.0.0.0', () => {
    const text = 'sl local rem st\n 0: 0100007F:0CEB 00000000:0000 0A 0:0 0:0 0 0 0 9 1\n 1: 00000000:0CEA 00000000:0000 0A 0:0 0:0 0 0 0 8 1\n';
    expect(parseNetTcp(text, 'tcp', new Set(['9', '8']))).toEqual([
      { addr: '127.0.0.1', port: 3307, proto: 'tcp' },
      { addr: '0.0.0.0', port: 3306, proto: 'tcp' },
    ]);
  });
});
