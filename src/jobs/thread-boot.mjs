// The jobs thread run from the TypeScript sources (tests, SATSCOPE_FROM_SOURCE=1, or when the
// bundle cannot be built): a worker thread does not inherit the tsx loader that bin/satscope.js
// registers in the main thread, so it registers its own before loading src/jobs/thread.ts.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
