// One full garbage collection, now. `satscope start` asks for it once each thread has started (the
// web thread after its views are warm, the jobs thread after its first round of jobs): start-up
// leaves several MB of garbage in each heap that V8 would otherwise keep until its memory reducer
// runs, seconds later, and the two threads together would pass the 100 MB budget meanwhile.
import v8 from 'node:v8';
import vm from 'node:vm';

export function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // not essential
  }
}
