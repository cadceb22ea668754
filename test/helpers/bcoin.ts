// The regtest peer of the integration and e2e tests is the one `satscope demo` runs.
export { startRegtestNode, type RegtestNode } from '../../src/demo/regtest-node.ts';
