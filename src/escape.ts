/**
 * Text from outside (a capture, a path, an argument) shown on a terminal or written into a file:
 * control characters escaped, so a capture cannot move the cursor, recolour the screen or forge a
 * line, and a path cannot add a line to a plist or a sudoers rule. A utility: imports nothing of ours.
 *
 * Escaped: C0 controls, DEL, C1 controls (U+009B is a one-byte CSI on some terminals), the line and
 * paragraph separators, and the bidirectional and zero-width formatting characters (which can make
 * a line read differently from what it holds).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** True when `s` holds a character `escapeControl` would escape. */
export function hasControl(s: string): boolean {
  return UNSAFE.test(s);
}

/** `s` with every unsafe character written as \xNN or \uNNNN (tab and newline included). */
export function escapeControl(s: string): string {
  return s.replace(UNSAFE_ALL, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON text made terminal-safe: JSON.stringify already escapes C0 controls inside strings, but
 * leaves DEL, C1 and the formatting characters raw. Each becomes its \uNNNN escape, which is the
 * same JSON value.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
