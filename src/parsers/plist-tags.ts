/**
 * Tag tests for the plist scanner's hot path (./plist.ts): each is exactly `s.startsWith(tag, p)`
 * for one fixed tag, written as character-code comparisons. V8 inlines `charCodeAt` in optimised
 * code (TurboFan and Maglev) but calls a builtin for `startsWith`; on the per-key path (a
 * powermetrics document has 1,500–2,500 keys, each tested against several tags) that call was
 * about half the cost of a test. Pure.
 */

/** `<key>` */
export function keyOpenAt(s: string, p: number): boolean {
  return s.charCodeAt(p) === 60 && s.charCodeAt(p + 1) === 107 && s.charCodeAt(p + 2) === 101 && s.charCodeAt(p + 3) === 121 && s.charCodeAt(p + 4) === 62;
}

/** `</dict>` */
export function dictCloseAt(s: string, p: number): boolean {
  return (
    s.charCodeAt(p) === 60 &&
    s.charCodeAt(p + 1) === 47 &&
    s.charCodeAt(p + 2) === 100 &&
    s.charCodeAt(p + 3) === 105 &&
    s.charCodeAt(p + 4) === 99 &&
    s.charCodeAt(p + 5) === 116 &&
    s.charCodeAt(p + 6) === 62
  );
}

/** `<dict>` */
export function dictOpenAt(s: string, p: number): boolean {
  return (
    s.charCodeAt(p) === 60 &&
    s.charCodeAt(p + 1) === 100 &&
    s.charCodeAt(p + 2) === 105 &&
    s.charCodeAt(p + 3) === 99 &&
    s.charCodeAt(p + 4) === 116 &&
    s.charCodeAt(p + 5) === 62
  );
}

/** `<integer>` */
export function integerOpenAt(s: string, p: number): boolean {
  return s.charCodeAt(p) === 60 && tailInteger(s, p + 1);
}

/** `</integer>` */
export function integerCloseAt(s: string, p: number): boolean {
  return s.charCodeAt(p) === 60 && s.charCodeAt(p + 1) === 47 && tailInteger(s, p + 2);
}

/** `integer>` at p */
function tailInteger(s: string, p: number): boolean {
  return (
    s.charCodeAt(p) === 105 &&
    s.charCodeAt(p + 1) === 110 &&
    s.charCodeAt(p + 2) === 116 &&
    s.charCodeAt(p + 3) === 101 &&
    s.charCodeAt(p + 4) === 103 &&
    s.charCodeAt(p + 5) === 101 &&
    s.charCodeAt(p + 6) === 114 &&
    s.charCodeAt(p + 7) === 62
  );
}

/** `<real>` */
export function realOpenAt(s: string, p: number): boolean {
  return s.charCodeAt(p) === 60 && tailReal(s, p + 1);
}

/** `</real>` */
export function realCloseAt(s: string, p: number): boolean {
  return s.charCodeAt(p) === 60 && s.charCodeAt(p + 1) === 47 && tailReal(s, p + 2);
}

/** `real>` at p */
function tailReal(s: string, p: number): boolean {
  return s.charCodeAt(p) === 114 && s.charCodeAt(p + 1) === 101 && s.charCodeAt(p + 2) === 97 && s.charCodeAt(p + 3) === 108 && s.charCodeAt(p + 4) === 62;
}

/** `<string>` */
export function stringOpenAt(s: string, p: number): boolean {
  return (
    s.charCodeAt(p) === 60 &&
    s.charCodeAt(p + 1) === 115 &&
    s.charCodeAt(p + 2) === 116 &&
    s.charCodeAt(p + 3) === 114 &&
    s.charCodeAt(p + 4) === 105 &&
    s.charCodeAt(p + 5) === 110 &&
    s.charCodeAt(p + 6) === 103 &&
    s.charCodeAt(p + 7) === 62
  );
}
