/**
 * The top-N tracker outlives every document: the app names it keeps must not keep the document's
 * text alive (a 65–130 KB string per document with tasks). Checked with a WeakRef on the text of the
 * real M1 Pro all-samplers capture's first document and a forced collection.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { AppTracker, detached } from '../../../src/modules/powermetrics/apps.ts';
import { parsePowermetricsDocument } from '../../../src/modules/powermetrics/document.ts';
import { heapGrowth } from '../../helpers/heap.ts';

const FILE = new URL('../../../fixtures/powermetrics/m1-pro-macbookpro18-3-macos14-plist-stream-29samples-nul-all-samplers.plist', import.meta.url);

t.test('detached() copies a long slice into its own string', async (t) => {
  t.equal(detached('com.apple.WindowServer'), 'com.apple.WindowServer');
  t.equal(detached(''), '');
});

t.test('the tracker keeps app names, not the document text they were cut from', async (t) => {
  const all = readFileSync(FILE, 'latin1');
  const doc = all.slice(0, all.indexOf('\0'));
  const tracker = new AppTracker();
  // A fresh string per document, as the stream decodes one (distinct, so none is shared).
  const parse = (i: number) => parsePowermetricsDocument(`${doc}${' '.repeat(i)}`, { apps: tracker });
  const r = parse(1);
  const sample = r.find((x) => x.type === 'powermetrics') as { apps?: { series: Array<{ name: string }> } } | undefined;
  t.ok(sample?.apps && sample.apps.series.length > 1, `${sample?.apps?.series.length} app series`);
  t.ok(tracker.members().length > 0, `members: ${tracker.members().slice(0, 3).join(', ')}`);
  // 40 trackers, each fed one distinct document: a tracker that kept slices would keep its document.
  const trackers: AppTracker[] = [];
  const grown = await heapGrowth(() => {
    for (let i = 2; i < 42; i++) {
      const o = new AppTracker();
      parsePowermetricsDocument(`${doc}${' '.repeat(i)}`, { apps: o });
      trackers.push(o);
    }
  });
  t.equal(trackers.length, 40);
  t.ok(grown < 1.5 * 1024 * 1024, `40 trackers, one ${(doc.length / 1024).toFixed(0)} KiB document each: heap grew ${(grown / 1024).toFixed(0)} KiB (the documents themselves: ${((40 * doc.length) / 1024).toFixed(0)} KiB)`);
});
