/** The dashboard's "Network" row: the network source (src/modules/network). */
import { RATE, sel, type RowSpec } from '../model.ts';

/** bridge0 (Thunderbolt Bridge) counts its member ports' traffic again (src/modules/network/select.ts). */
export const BRIDGE_NOTE =
  'bridge0 (the Thunderbolt Bridge) carries its Thunderbolt member ports\' (enN) traffic again: read it or its members, never add them up.';

const perInterface = (otelName: string): string => `rate(${sel(otelName)}[${RATE}])`;
const LEGEND = '{{network_interface_name}} {{network_io_direction}}';

export const NETWORK_ROW: RowSpec = {
  title: 'Network',
  purpose: `Traffic, packets, errors and drops per interface and direction (the interfaces the network source selects). ${BRIDGE_NOTE}`,
  perNode: true,
  panels: [
    {
      title: 'Network traffic per interface',
      question: `How many bytes per second does each interface receive and transmit? ${BRIDGE_NOTE}`,
      kind: 'timeseries',
      unit: 'Bps',
      min: 0,
      width: 12,
      queries: [{ legend: LEGEND, expr: perInterface('system.network.io') }],
    },
    {
      title: 'Packets per interface',
      question: `How many packets per second does each interface receive and transmit? ${BRIDGE_NOTE}`,
      kind: 'timeseries',
      unit: 'pps',
      min: 0,
      width: 12,
      queries: [{ legend: LEGEND, expr: perInterface('system.network.packet.count') }],
    },
    {
      title: 'Network errors and drops',
      question: 'Is any interface reporting errors or dropping packets, and in which direction?',
      caveat: 'Receive drops come from the addon only; with netstat (`-d`) only transmit (send-queue) drops are counted.',
      kind: 'timeseries',
      unit: 'pps',
      min: 0,
      width: 24,
      queries: [
        { legend: `errors ${LEGEND}`, expr: perInterface('system.network.errors') },
        { legend: `dropped ${LEGEND}`, expr: perInterface('system.network.packet.dropped') },
      ],
    },
  ],
};
