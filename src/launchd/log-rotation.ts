/**
 * Log rotation under launchd. launchd opens StandardErrorPath once, when it spawns the job, and the
 * agent cannot reopen a descriptor it did not open. newsyslog (launchd/silicon-agent.newsyslog.conf,
 * flag N: signal nobody) renames `agent.log` to `agent.log.0` and creates a fresh `agent.log`; the agent
 * would keep writing into the renamed file forever, and since nothing writes the fresh file it would
 * never reach the size limit again.
 *
 * So the agent watches for it: every `intervalMs` it compares the device/inode of its stderr with the
 * file at SILICON_AGENT_LOG_FILE (the plist sets it). When they differ (rotated) or the path is gone,
 * `onRotated` runs once; the agent then stops cleanly and exits with EX_LOG_ROTATED (non-zero), and
 * launchd (KeepAlive SuccessfulExit=false) starts it again on the fresh file. The cost is a restart of a
 * few seconds per rotation (at most hourly, in practice rarely at 10 MB); lines written between the
 * rename and the restart land in agent.log.0, which is why the rotation file does not compress.
 * No signal and no pid file are needed, so newsyslog (root) never acts on a file the agent user writes.
 *
 * `run` (src/commands/run.ts) calls `watchLogRotation` when SILICON_AGENT_LOG_FILE is set.
 */
import { fstatSync, statSync } from 'node:fs';

/** Exit code after a rotation: EX_TEMPFAIL from sysexits.h ("try again later"). */
export const EX_LOG_ROTATED = 75;
export const LOG_FILE_ENV = 'SILICON_AGENT_LOG_FILE';

export interface RotationWatchOptions {
  /** The log file path launchd opened for this descriptor. */
  path: string;
  /** Descriptor launchd opened on that path (default 2, stderr). */
  fd?: number;
  intervalMs?: number;
  onRotated: (why: 'renamed' | 'missing') => void;
}

/** One check: undefined while `fd` still is `path`. Never throws. */
export function checkRotated(path: string, fd = 2): 'renamed' | 'missing' | undefined {
  let mine;
  try {
    mine = fstatSync(fd);
  } catch {
    return undefined; // no descriptor: nothing to compare, nothing to do
  }
  if (!mine.isFile()) return undefined; // a terminal or pipe: not launchd's log file
  try {
    const now = statSync(path);
    return now.ino === mine.ino && now.dev === mine.dev ? undefined : 'renamed';
  } catch {
    return 'missing';
  }
}

export function watchLogRotation(o: RotationWatchOptions): { stop(): void } {
  const fd = o.fd ?? 2;
  let fired = false;
  const timer = setInterval(() => {
    if (fired) return;
    const why = checkRotated(o.path, fd);
    if (why) {
      fired = true;
      clearInterval(timer);
      o.onRotated(why);
    }
  }, o.intervalMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
