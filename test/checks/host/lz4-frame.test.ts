/**
 * The LZ4 frame decoder against the real lz4 tool and apt's own
 * decompression of this host's lz4 lists; and what a crafted file gets:
 * an Lz4Error, within the output cap.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Lz4Error, lz4FrameDecode } from '../../../checks/host/lz4-frame.js';

const lz4 = (data: Buffer, args: string[]) => execFileSync('lz4', [...args, '-c'], { input: data, maxBuffer: 256 * 1024 * 1024 });
const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `Package: pkg${i % 977}\nVersion: 1.${i}-1~deb12u${i % 13}\n\n`).join(''));

describe('lz4FrameDecode', () => {
  it.each([
    ['default frame', []],
    ['linked 64 KiB blocks, block and content checksums, content size', ['-BD', '-B4', '--content-size', '-BX']],
    ['independent blocks, no content checksum, level 9', ['-BI', '--no-frame-crc', '-9']],
  ])('decodes what lz4 writes: %s', (_, args) => {
    expect(lz4FrameDecode(lz4(text, args), 64 * 1024 * 1024).equals(text)).toBe(true);
  });

  it("decodes this host's lz4 apt lists as apt-helper cat-file does", () => {
    const lists = readdirSync('/var/lib/apt/lists').filter((n) => n.endsWith('.lz4'));
    for (const n of lists.slice(0, 2)) {
      const p = `/var/lib/apt/lists/${n}`;
      const viaApt = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', p], { maxBuffer: 256 * 1024 * 1024 });
      expect(lz4FrameDecode(readFileSync(p), 256 * 1024 * 1024).equals(viaApt)).toBe(true);
    }
    expect(lists.length).toBeGreaterThan(0);
  });

  it('attacker: a 64 MiB run of zeros compressed to a few KiB stops at the cap with an Lz4Error', () => {
    const bomb = lz4(Buffer.alloc(64 * 1024 * 1024), []);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(() => lz4FrameDecode(bomb, 1024 * 1024)).toThrow(Lz4Error);
  });

  it('attacker: truncated, garbage, and a match reaching before the start give an Lz4Error', () => {
    const good = lz4(text, []);
    expect(() => lz4FrameDecode(good.subarray(0, good.length - 100), 1 << 26)).toThrow(Lz4Error);
    expect(() => lz4FrameDecode(Buffer.from('\x7fELF garbage'), 1 << 26)).toThrow(Lz4Error);
    // A frame with one block: token 0x00 (no literals), offset 5 with nothing yet written.
    const frame = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0, 3, 0, 0, 0, 0x00, 5, 0, 0, 0, 0, 0]);
    expect(() => lz4FrameDecode(frame, 1 << 26)).toThrow(Lz4Error);
  });
});
