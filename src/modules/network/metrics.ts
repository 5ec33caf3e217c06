/**
 * network's part of the catalog: bytes, packets, errors and drops per interface and direction
 * (OTel semantic conventions 1.45: `system.network.*` with `network.interface.name` and
 * `network.io.direction`; `system.device`, which packet counts once carried, is deprecated there).
 *
 * The kernel's counters are since boot; each metric turns them into increments with its own tracker
 * (./counters.ts, kept in the accumulator's memory), so a counter never decreases across an interface
 * reset or a send-queue drop-count wrap, and at most `maxInterfaces` names are ever exported.
 * Per interface: 8 series with the addon (receive drops only it reads), 7 with netstat.
 */
import type { AccumulatedMetric, AccumulatorMemory, Emit } from '../../catalog/types.ts';
import type { CounterField, CounterTracker, Increments } from './counters.ts';
import { createCounterTracker } from './counters.ts';
import type { NetworkSample } from './sample.ts';

export const NETWORK_IO_DIRECTIONS = ['receive', 'transmit'] as const;
const ATTRS = ['network.interface.name', 'network.io.direction'] as const;

function tracker(memory: AccumulatorMemory): CounterTracker {
  return (memory.state ??= createCounterTracker()) as CounterTracker;
}

function pair(rx: CounterField, tx: CounterField) {
  return (sample: NetworkSample, emit: Emit, memory: AccumulatorMemory): void => {
    const incs: Increments[] = tracker(memory).add(sample);
    for (const inc of incs) {
      const r = inc[rx];
      const t = inc[tx];
      if (r !== undefined) emit(r, { 'network.interface.name': inc.name, 'network.io.direction': 'receive' });
      if (t !== undefined) emit(t, { 'network.interface.name': inc.name, 'network.io.direction': 'transmit' });
    }
  };
}

export const NETWORK_METRICS: readonly AccumulatedMetric<NetworkSample>[] = [
  {
    name: 'system.network.io',
    unit: 'By',
    instrument: 'counter',
    attributes: ATTRS,
    description:
      'Bytes received and transmitted per interface (since boot at first sight, then each increase). bridge0 (Thunderbolt Bridge) counts its member ports\' traffic again: never add it to its enN members.',
    accumulate: pair('rxBytes', 'txBytes'),
  },
  {
    name: 'system.network.packet.count',
    unit: '{packet}',
    instrument: 'counter',
    attributes: ATTRS,
    description: 'Packets received and transmitted per interface.',
    accumulate: pair('rxPackets', 'txPackets'),
  },
  {
    name: 'system.network.errors',
    unit: '{error}',
    instrument: 'counter',
    attributes: ATTRS,
    description: 'Input and output errors per interface.',
    accumulate: pair('rxErrors', 'txErrors'),
  },
  {
    name: 'system.network.packet.dropped',
    unit: '{packet}',
    instrument: 'counter',
    attributes: ATTRS,
    description:
      'Packets dropped per interface: receive is `ifi_iqdrops` (addon only), transmit the send-queue drops (32-bit, wrap handled; netstat `-d`).',
    accumulate: pair('rxDropped', 'txDropped'),
  },
];
