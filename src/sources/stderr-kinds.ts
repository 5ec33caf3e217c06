/**
 * Which stderr lines a runner logs: one line per distinct kind (digits folded to `N`, first 120
 * characters), at most `max` kinds, so a chatty tool cannot flood the log or grow memory.
 */
export type StderrVerdict = 'new' | 'seen' | 'full';

/** Returns a classifier: `new` (log it), `seen` (a kind already logged) or `full` (too many kinds). */
export function createStderrKinds(max = 32): (line: string) => StderrVerdict {
  const kinds = new Set<string>();
  return (line) => {
    const kind = line.replace(/\d+/g, 'N').slice(0, 120);
    if (kinds.has(kind)) return 'seen';
    if (kinds.size >= max) return 'full';
    kinds.add(kind);
    return 'new';
  };
}
