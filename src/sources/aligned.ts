/**
 * Aligned ticks: every periodic source schedules its next read at the next multiple of its interval
 * on the wall clock (1 s sources at whole seconds, 10 s ones at :00, :10, …), the way Telegraf's
 * `round_interval` does. Sources with the same or harmonic intervals then wake the process once
 * together instead of once each: on the 2-core Linux VM the bench runs on, every separate timer
 * wakeup cost about 0.1 ms of CPU (five 1 Hz timers 150 ms apart: 37 ms per minute; the same five
 * firing together: 9 ms), which at 1 Hz was a fifth of the agent's budget (docs/benchmarks.md).
 * Across a fleet, nodes also read at the same instants, so their series line up on a dashboard.
 *
 * The next boundary is taken at least half an interval ahead, so a timer that fires a millisecond
 * early (Date.now() and the event loop's clock are different clocks) does not read twice, and a
 * late one (a busy process) gets back on the grid without a burst: consecutive reads are always
 * 0.5–1.5 intervals apart.
 */
export function alignedDelay(intervalMs: number, nowMs: number = Date.now()): number {
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs)) return Math.max(0, intervalMs || 0);
  const next = Math.ceil((nowMs + intervalMs / 2) / intervalMs) * intervalMs;
  return next - nowMs;
}
