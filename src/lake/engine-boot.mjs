// The lake engine run from the TypeScript sources (tests, SATSCOPE_FROM_SOURCE=1): registers tsx,
// then loads src/lake/engine.ts. The bundle runs dist/lake-engine.mjs instead.
import { register } from 'tsx/esm/api';

register();
await import('./engine.ts');
