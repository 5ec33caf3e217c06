/**
 * Real tools the launchd tests drive: libplist's plistutil and sudo's visudo (.ci/run installs both).
 * A missing tool is a test FAILURE, never a skip: the point of these tests is that the real parser
 * accepts our files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tool on PATH, else in /usr/sbin or /sbin (not on a Debian user's PATH, where visudo lives). */
export function which(tool: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${tool} || { [ -x /usr/sbin/${tool} ] && echo /usr/sbin/${tool}; } || { [ -x /sbin/${tool} ] && echo /sbin/${tool}; }`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Convert an XML plist to binary and back with plistutil; returns plistutil's own XML, or throws. */
export function plistutilRoundTrip(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sa-plist-'));
  const src = join(dir, 'in.plist');
  const bin = join(dir, 'out.bplist');
  writeFileSync(src, xml);
  execFileSync('plistutil', ['-i', src, '-o', bin, '-f', 'bin'], { stdio: 'pipe' });
  const head = readFileSync(bin).subarray(0, 8).toString('latin1');
  if (head !== 'bplist00') throw new Error(`plistutil did not produce a binary plist (head ${JSON.stringify(head)})`);
  return execFileSync('plistutil', ['-i', bin, '-f', 'xml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `visudo -cf FILE`: exit status and output. */
export function visudoCheck(text: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sa-sudoers-'));
  const f = join(dir, 'silicon-agent');
  writeFileSync(f, text, { mode: 0o440 });
  const r = spawnSync(which('visudo') ?? 'visudo', ['-cf', f], { encoding: 'utf8' });
  return { status: r.status, output: (r.stdout ?? '') + (r.stderr ?? '') };
}
