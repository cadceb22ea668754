// One full garbage collection, now. `satscope start` asks for it once each thread has started (the
// web thread after its views are warm, the jobs thread after loading and after its first round of
// jobs): start-up leaves several MB of garbage in each heap that V8 would otherwise keep until its
// memory reducer runs, seconds later, and the two threads together would pass the 100 MB budget
// meanwhile. V8's flags are process-wide and are set once, in the main thread, before the jobs
// thread exists (enableGc); a thread started afterwards has `gc` on its global object.
import v8 from 'node:v8';
import vm from 'node:vm';

let enabled = false;

export function enableGc(): void {
  if (enabled) return;
  enabled = true;
  try {
    v8.setFlagsFromString('--expose-gc');
  } catch {
    // not essential
  }
}

export function collectGarbage(): void {
  try {
    const gc = (globalThis as { gc?: () => void }).gc ?? (vm.runInNewContext('typeof gc === "function" ? gc : undefined') as (() => void) | undefined);
    gc?.();
  } catch {
    // not essential
  }
}
