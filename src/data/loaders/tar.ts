/** Read the regular files of a (gzipped) tar archive into memory: enough for report archives. */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { DataError } from './common.js';

export interface TarEntry {
  name: string;
  data: Buffer;
}

function octal(buf: Buffer, off: number, len: number): number {
  const s = buf.toString('latin1', off, off + len).replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

/** Entries of a .tar or .tgz/.tar.gz file (regular files only; ustar long names via prefix). */
export function readTar(file: string): TarEntry[] {
  let buf = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(file, undefined, `not a valid gzip archive (${(e as Error).message})`);
    }
  }
  const out: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '');
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const sum = octal(header, 148, 8);
    let check = 0;
    for (let i = 0; i < 512; i++) check += i >= 148 && i < 156 ? 32 : header[i];
    if (sum !== check) throw new DataError(file, undefined, `corrupt tar header at byte ${off} (checksum)`);
    const start = off + 512;
    if (start + size > buf.length) throw new DataError(file, undefined, `truncated archive: entry '${name}' needs ${size} bytes`);
    if (type === '0' || type === '\0') out.push({ name: prefix ? `${prefix}/${name}` : name, data: buf.subarray(start, start + size) });
    off = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
