/**
 * Catalog metrics the dashboard deliberately does not draw, each with the reason. The coverage
 * test (test/dashboard/coverage.test.ts) fails when a catalog metric is neither in a panel nor
 * here, and when a metric listed here is drawn after all (the list would be lying).
 * They are still exported and can be queried in Explore.
 */
export const NOT_SHOWN: Readonly<Record<string, string>> = {
  'system.cpu.frequency':
    'Cores of one cluster share a clock domain on Apple Silicon, so per-core frequency repeats "Cluster frequency per die" with a line per core (32 per M3 Ultra node); per-core activity, which does differ between cores, is drawn in "Core activity now".',
  'silicon_agent.memory.pages':
    'The kernel page queues overlap (active, inactive, file-backed and anonymous count the same pages twice), so no panel can stack them honestly; "Memory by state" shows the additive Activity Monitor breakdown derived from them.',
  'silicon_agent.http.connections.refused':
    'A count that should stay at 0: a panel would be a flat line. It belongs in an alert (increase over 5 m above 0 means something holds the endpoint\'s connections or a scraper opens too many); the endpoint also logs each burst once.',
};
