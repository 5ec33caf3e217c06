/**
 * Heap growth across `fn` after forced collections: what a retention test measures (objects that should
 * not keep a large text alive). Not a test file (tap runs only *.test.ts).
 */
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function settle(): Promise<void> {
  await new Promise((res) => setImmediate(res));
  gc();
  gc();
}

/** Bytes the heap grew by across `fn`, each side measured after two full collections. */
export async function heapGrowth(fn: () => void): Promise<number> {
  await settle();
  const before = process.memoryUsage().heapUsed;
  fn();
  await settle();
  return process.memoryUsage().heapUsed - before;
}
