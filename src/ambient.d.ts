// bcoin ships no types; the regtest node (src/demo) uses a small part of it.
declare module 'bcoin';
