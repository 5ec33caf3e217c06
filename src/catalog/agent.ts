/**
 * The agent's own metrics: what it costs and how its sources and exports fare. All read from the
 * health recorder's read-only view (src/health.ts), which the status file reads too.
 */
import { EXPORT_ERROR_TYPES } from '../health.ts';
import type { HealthMetric } from './types.ts';

export const AGENT_METRICS: readonly HealthMetric[] = [
  {
    name: 'process.cpu.time',
    unit: 's',
    instrument: 'counter',
    attributes: ['silicon_agent.process', 'cpu.mode'],
    description: 'CPU time of the agent and of each child kind it runs, since each started.',
    observeHealth(h, emit) {
      for (const [proc, p] of h.processes) {
        emit(p.userS, { 'silicon_agent.process': proc, 'cpu.mode': 'user' });
        emit(p.systemS, { 'silicon_agent.process': proc, 'cpu.mode': 'system' });
      }
    },
  },
  {
    name: 'process.memory.usage',
    unit: 'By',
    instrument: 'updowncounter',
    attributes: ['silicon_agent.process'],
    description: 'Resident set size of the agent and of each child kind.',
    observeHealth(h, emit) {
      for (const [proc, p] of h.processes) emit(p.rssBytes, { 'silicon_agent.process': proc });
    },
  },
  {
    name: 'silicon_agent.samples',
    unit: '{sample}',
    instrument: 'counter',
    attributes: ['silicon_agent.source'],
    description: 'Samples accepted per source since the agent started.',
    observeHealth(h, emit) {
      for (const [src, s] of h.sources) if (s.samples > 0) emit(s.samples, { 'silicon_agent.source': src });
    },
  },
  {
    name: 'silicon_agent.parse.errors',
    unit: '{error}',
    instrument: 'counter',
    attributes: ['silicon_agent.source', 'error.type'],
    description: 'Typed parse errors per source and kind.',
    observeHealth(h, emit) {
      for (const [src, s] of h.sources) for (const [kind, n] of s.parseErrors) emit(n, { 'silicon_agent.source': src, 'error.type': kind });
    },
  },
  {
    name: 'silicon_agent.values.dropped',
    unit: '{value}',
    instrument: 'counter',
    attributes: ['silicon_agent.source', 'silicon_agent.drop_reason'],
    description: 'Impossible or implausible values dropped before export, per source and reason.',
    observeHealth(h, emit) {
      for (const [src, s] of h.sources)
        for (const [reason, n] of s.dropped) emit(n, { 'silicon_agent.source': src, 'silicon_agent.drop_reason': reason });
    },
  },
  {
    name: 'silicon_agent.source.restarts',
    unit: '{restart}',
    instrument: 'counter',
    attributes: ['silicon_agent.source'],
    description: 'Child restarts per source (exit or hang).',
    observeHealth(h, emit) {
      for (const [src, s] of h.sources) if (s.restarts > 0) emit(s.restarts, { 'silicon_agent.source': src });
    },
  },
  {
    name: 'silicon_agent.source.up',
    unit: '{state}',
    instrument: 'gauge',
    attributes: ['silicon_agent.source'],
    description: '1 when the source is running and its latest sample is fresh, else 0.',
    observeHealth(h, emit) {
      for (const [src, s] of h.sources) if (s.up !== undefined) emit(s.up ? 1 : 0, { 'silicon_agent.source': src });
    },
  },
  {
    name: 'silicon_agent.exports',
    unit: '{export}',
    instrument: 'counter',
    attributes: ['silicon_agent.outcome', 'error.type'],
    description: 'OTLP exports by outcome; failures by class (error.type, the cause of the last attempt).',
    observeHealth(h, emit) {
      emit(h.exports.success, { 'silicon_agent.outcome': 'success' });
      // Every class from 0, so a rate() over the first failure of a class sees its rise.
      for (const type of EXPORT_ERROR_TYPES) emit(h.exportErrors[type], { 'silicon_agent.outcome': 'failure', 'error.type': type });
    },
  },
  {
    // Semantic conventions have only kestrel.rejected_connections (ASP.NET Kestrel): project namespace.
    name: 'silicon_agent.http.connections.refused',
    unit: '{connection}',
    instrument: 'counter',
    attributes: [],
    description: 'Connections the Prometheus endpoint closed on arrival because it was at its connection cap (exporters.prometheus.maxConnections).',
    observeHealth(h, emit) {
      emit(h.connectionsRefused, {});
    },
  },
  {
    name: 'silicon_agent.budget.level',
    unit: '{level}',
    instrument: 'gauge',
    attributes: [],
    description: 'Budget degradation step: 0 full fidelity; each higher step sheds more work (docs/budget.md).',
    observeHealth(h, emit) {
      emit(h.budgetLevel, {});
    },
  },
];
