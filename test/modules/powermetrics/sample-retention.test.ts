/**
 * The store keeps each source's latest sample: a powermetrics sample must not keep the text of the
 * document it was read from alive (65–260 KB a document). V8 keeps a substring of 13 or more characters
 * as a view into its parent, so the strings a sample takes from the text (the timestamp, hw_model, the
 * OS build, cluster names, the thermal pressure text) are copied (apps.ts `detached`). Checked as
 * apps-retention.test.ts checks the top-N tracker: 40 samples, each from its own copy of the real M2 Ultra
 * document, after a forced collection.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parsePowermetricsDocument } from '../../../src/modules/powermetrics/document.ts';
import type { PowermetricsSample } from '../../../src/modules/powermetrics/sample.ts';
import { heapGrowth } from '../../helpers/heap.ts';

const FILE = new URL('../../../fixtures/powermetrics/m2-ultra-mac14-14-macos14-plist-cpu-gpu-thermal-single.plist', import.meta.url);

t.test('samples keep their strings, not the document text they were cut from', async (t) => {
  const doc = readFileSync(FILE, 'latin1').trim();
  const first = parsePowermetricsDocument(`${doc} `)[0] as PowermetricsSample;
  t.equal(first.timestamp, '2024-04-12T22:42:39Z', 'timestamp as printed (a 20-character substring before the copy)');
  t.equal(first.hwModel, 'Mac14,14');
  t.equal(first.thermalPressure?.raw, 'Nominal');
  // A fresh string per document, as the stream decodes one.
  const kept: PowermetricsSample[] = [];
  const grown = await heapGrowth(() => {
    for (let i = 2; i < 42; i++) kept.push(parsePowermetricsDocument(`${doc}${' '.repeat(i)}`)[0] as PowermetricsSample);
  });
  t.equal(kept.length, 40);
  t.ok(grown < 1024 * 1024, `40 samples, one ${(doc.length / 1024).toFixed(0)} KiB document each: heap grew ${(grown / 1024).toFixed(0)} KiB (the documents themselves: ${((40 * doc.length) / 1024).toFixed(0)} KiB)`);
});
