// Bitcoin addresses to the script they pay, and that script to the Electrum protocol's script
// hash (sha256 of the script, bytes reversed): how your payout address's balance is asked of your
// own Electrum server. Bech32 (BIP173) and bech32m (BIP350) for segwit, base58check for legacy.
import { createHash } from 'node:crypto';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
const SEGWIT_HRPS = new Set(['bc', 'tb', 'bcrt']);

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i] as number;
  }
  return chk >>> 0;
}

const hrpExpand = (hrp: string) => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];

function convertBits(data: readonly number[], from: number, to: number): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const v of data) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  // No padding allowed beyond 4 bits, and it must be zero.
  if (bits >= from || ((acc << (to - bits)) & max) !== 0) return null;
  return out;
}

function segwitScript(address: string): Buffer | null {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) return null;
  const a = address.toLowerCase();
  const sep = a.lastIndexOf('1');
  if (sep < 1 || sep + 7 > a.length || a.length > 90) return null;
  const hrp = a.slice(0, sep);
  if (!SEGWIT_HRPS.has(hrp)) return null;
  const data: number[] = [];
  for (const c of a.slice(sep + 1)) {
    const d = CHARSET.indexOf(c);
    if (d === -1) return null;
    data.push(d);
  }
  const check = polymod([...hrpExpand(hrp), ...data]);
  const version = data[0] as number;
  if (check !== (version === 0 ? BECH32_CONST : BECH32M_CONST)) return null;
  const program = convertBits(data.slice(1, -6), 5, 8);
  if (!program || version > 16 || program.length < 2 || program.length > 40) return null;
  if (version === 0 && program.length !== 20 && program.length !== 32) return null;
  return Buffer.from([version === 0 ? 0 : 0x50 + version, program.length, ...program]);
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Script(address: string): Buffer | null {
  let n = 0n;
  for (const c of address) {
    const d = B58.indexOf(c);
    if (d === -1) return null;
    n = n * 58n + BigInt(d);
  }
  const hex = n.toString(16);
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  const zeros = address.length - address.replace(/^1+/, '').length;
  const bytes = Buffer.concat([Buffer.alloc(zeros), body]);
  if (bytes.length !== 25) return null;
  const payload = bytes.subarray(0, 21);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest().subarray(0, 4);
  if (!sum.equals(bytes.subarray(21))) return null;
  const version = payload[0];
  const hash = payload.subarray(1);
  if (version === 0x00 || version === 0x6f) return Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), hash, Buffer.from([0x88, 0xac])]);
  if (version === 0x05 || version === 0xc4) return Buffer.concat([Buffer.from([0xa9, 0x14]), hash, Buffer.from([0x87])]);
  return null;
}

/** The scriptPubKey an address pays to, or null when it is not a valid address. */
export function addressScript(address: string): Buffer | null {
  const a = address.trim();
  return segwitScript(a) ?? base58Script(a);
}

/** The Electrum script hash of an address (hex), or null when it is not a valid address. */
export function electrumScripthash(address: string): string | null {
  const script = addressScript(address);
  return script ? Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex') : null;
}
