// Which pool mined a block, from the text its coinbase input carries. The tags are the ones
// pools write into their coinbases (public knowledge, as in every block explorer's pool list).
const POOL_TAGS: readonly (readonly [string, string])[] = [
  ['Foundry USA Pool', 'Foundry USA'],
  ['/AntPool/', 'AntPool'],
  ['Mined by AntPool', 'AntPool'],
  ['F2Pool', 'F2Pool'],
  ['七彩神仙鱼', 'F2Pool'],
  ['/ViaBTC/', 'ViaBTC'],
  ['SpiderPool', 'SpiderPool'],
  ['MARA Pool', 'MARA Pool'],
  ['MARA Made in USA', 'MARA Pool'],
  ['/Luxor/', 'Luxor'],
  ['/slush/', 'Braiins Pool'],
  ['Braiins', 'Braiins Pool'],
  ['OCEAN.XYZ', 'OCEAN'],
  ['SecPool', 'SECPOOL'],
  ['/Binance/', 'Binance Pool'],
  ['binance', 'Binance Pool'],
  ['/poolin.com', 'Poolin'],
  ['/BTC.COM/', 'BTC.com'],
  ['SBICrypto', 'SBI Crypto'],
  ['/ultimus/', 'ULTIMUSPOOL'],
  ['Carbon Negative', 'Carbon Negative'],
  ['/WhitePool/', 'WhitePool'],
  ['Bitfufu', 'BitFuFu'],
  ['/2cDw/', 'Mining Squared'],
  ['/EMCD/', 'EMCDPool'],
  ['/Kano', 'KanoPool'],
  ['ckpool', 'Solo CK'],
  ['mined by bcoin', 'bcoin (regtest)'],
];

/** The printable text in a coinbase script given as hex. */
export function coinbaseText(hex: string): string {
  let out = '';
  for (let i = 0; i + 1 < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    out += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ' ';
  }
  // Decode UTF-8 runs too (F2Pool signs in Chinese).
  try {
    out += ` ${Buffer.from(hex, 'hex').toString('utf8')}`;
  } catch {
    // not UTF-8: the ASCII view above is enough
  }
  return out;
}

export function identifyPool(coinbaseHex: string | undefined): string | null {
  if (!coinbaseHex) return null;
  const text = coinbaseText(coinbaseHex);
  const lower = text.toLowerCase();
  for (const [tag, name] of POOL_TAGS) if (lower.includes(tag.toLowerCase())) return name;
  return null;
}
