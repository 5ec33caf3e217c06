// Types of ./compile-cache.js (plain JavaScript: the bin runs before any TypeScript loads).
import type { Stats } from 'node:fs';

export function safeForRoot(dir: string, lstat?: (p: string) => Stats): boolean;
export function chooseCompileCache(o: { uid: number; env: NodeJS.ProcessEnv; lstat?: (p: string) => Stats }): { dir: string | undefined } | undefined;
