// The data lake, loaded on demand (a chunk of its own in the bundle): `satscope start` with
// LAKE=on, `satscope stream`, `satscope lake`.
export { LakeEngine } from './engine-client.ts';
export { LakePipeline } from './pipeline.ts';
export { LakeReader } from './query.ts';
export { Lake } from './lake.ts';
