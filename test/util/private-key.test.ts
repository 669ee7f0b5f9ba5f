import { describe, expect, it } from 'vitest';
import { describeKey, detectPrivateKey } from '../../agent/util/private-key.js';
import { DSA, key, PROSE, type KeyKind } from '../checks/ssh/fixture.js';

const KINDS: Array<[KeyKind, string]> = [
  ['ed25519', 'OpenSSH private key (ssh-ed25519, unencrypted)'],
  ['ed25519-enc', 'OpenSSH private key (ssh-ed25519, passphrase-protected)'],
  ['rsa-pem', 'PEM RSA private key (rsa, unencrypted)'],
  ['rsa-pem-enc', 'PEM RSA private key (rsa, passphrase-protected)'],
  ['ecdsa-pem', 'PEM EC private key (ec, unencrypted)'],
  ['rsa-pkcs8', 'PKCS#8 private key (rsa, unencrypted)'],
  ['openssl-ed25519', 'PKCS#8 private key (ed25519, unencrypted)'],
  ['openssl-rsa-enc', 'PKCS#8 encrypted private key (passphrase-protected)'],
  ['putty-v2', 'PuTTY v2 private key (ssh-ed25519, passphrase-protected)'],
  ['putty-v3', 'PuTTY v3 private key (ssh-ed25519, unencrypted)'],
];
if (DSA) KINDS.push(['dsa-pem', 'PEM DSA private key (dsa, unencrypted)']);

const describeOf = (b: Buffer) => {
  const k = detectPrivateKey(b);
  return k && describeKey(k);
};

describe('detectPrivateKey', () => {
  for (const [kind, want] of KINDS) {
    it(`finds a ${kind} key by its content`, () => {
      expect(describeOf(key(kind))).toBe(want);
    });
  }

  it('finds keys pasted into YAML, JSON and one-line env files', () => {
    const pem = key('rsa-pkcs8').toString();
    const yaml = `deploy:\n  ssh_key: |\n${pem.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
    const json = JSON.stringify({ type: 'service_account', private_key_id: 'abc', private_key: pem });
    const env = `SSH_PRIVATE_KEY="${key('ed25519').toString().trim().split('\n').join(' ')}"\n`;
    expect(describeOf(Buffer.from(yaml))).toBe('PKCS#8 private key (rsa, unencrypted)');
    expect(describeOf(Buffer.from(json))).toBe('PKCS#8 private key (rsa, unencrypted)');
    expect(describeOf(Buffer.from(env))).toBe('OpenSSH private key (ssh-ed25519, unencrypted)');
  });

  it('finds a key after a certificate in a bundle', () => {
    expect(describeOf(Buffer.concat([key('x509-cert'), key('ecdsa-pem')]))).toBe('PEM EC private key (ec, unencrypted)');
  });

  it('ignores public keys, certificates and prose about keys', () => {
    for (const b of [key('ed25519-pub'), key('ed25519-cert'), key('x509-cert'), Buffer.from(PROSE)]) expect(detectPrivateKey(b)).toBeNull();
    expect(detectPrivateKey(Buffer.from('PuTTY-User-Key-File-3 is the first line of a .ppk file\n'))).toBeNull();
    expect(detectPrivateKey(Buffer.alloc(4096))).toBeNull();
  });
});
