// keepUndiciLazy: importing node:http as ESM must not load Node's undici, and http.WebSocket must
// still work. Each case runs in a fresh Node (the test runner may already have imported node:http).
import { execa } from 'execa';
import t from 'tap';

const MODULE = new URL('../src/http-lazy-exports.ts', import.meta.url).href;

async function probe(patch: boolean): Promise<{ changed: string[]; undiciAfterImport: boolean; webSocket: string; undiciAfterAccess: boolean }> {
  const script = `
    const { keepUndiciLazy } = await import(${JSON.stringify(MODULE)});
    const changed = ${patch} ? keepUndiciLazy() : [];
    const undici = () => process.moduleLoadList.some((m) => m.includes('undici'));
    const http = await import('node:http');
    const undiciAfterImport = undici();
    const webSocket = typeof http.default.WebSocket;
    console.log(JSON.stringify({ changed, undiciAfterImport, webSocket, undiciAfterAccess: undici() }));
  `;
  const r = await execa(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(r.stdout);
}

t.test('without the fix, an ESM import of node:http loads undici (what the fix is for)', async (t) => {
  const r = await probe(false);
  t.equal(r.undiciAfterImport, true);
});

t.test('with the fix, it does not; http.WebSocket still loads it on first access', async (t) => {
  const r = await probe(true);
  t.same(r.changed, ['WebSocket', 'CloseEvent', 'MessageEvent']);
  t.equal(r.undiciAfterImport, false);
  t.equal(r.webSocket, 'function');
  t.equal(r.undiciAfterAccess, true);
});

t.test('a second call changes nothing', async (t) => {
  const { keepUndiciLazy } = await import('../src/http-lazy-exports.ts');
  keepUndiciLazy();
  t.same(keepUndiciLazy(), []);
});
