/**
 * Side effects of install/uninstall, in two flavours with one interface: `realEffects` changes the
 * system and remembers how to undo each change (so a failure leaves nothing half-installed), and
 * `dryRunEffects` prints every file (path, owner, mode, full content) and every command instead.
 * Paths are the node's absolute paths; the host's fake-root prefix is applied here only.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onDisk } from '../system/host.ts';
import type { CommandContext } from '../system/context.ts';
import { describeFailure, showCommand } from '../sources/probe.ts';
import { tool, type RunResult, type SystemTool } from '../system/runner.ts';

export interface Effects {
  readonly dryRun: boolean;
  /** Create a directory (and parents) if missing; `owner` is `user:group`. */
  mkdir(path: string, mode: number, owner: string): Promise<void>;
  /** Replace a file atomically (temp file in the same directory, then rename). */
  write(path: string, content: string, mode: number, owner: string): Promise<void>;
  /**
   * Write to a temp name in the target directory (a name with a dot, which sudo skips in sudoers.d),
   * run `check` on it, and only then rename it into place. A failed check removes the temp file.
   */
  writeChecked(path: string, content: string, mode: number, owner: string, check: { tool: SystemTool; args: (tmp: string) => string[] }): Promise<void>;
  remove(path: string): Promise<void>;
  /** A command that changes the system; throws a clear Error on failure. `undo` runs on rollback. */
  run(t: SystemTool, args: string[], undo?: { tool: SystemTool; args: string[] }): Promise<RunResult>;
  note(text: string): void;
}

const octal = (m: number) => '0' + m.toString(8);

export function dryRunEffects(ctx: CommandContext): Effects {
  const out = ctx.out;
  return {
    dryRun: true,
    async mkdir(path, mode, owner) {
      out(`$ mkdir -p -m ${octal(mode)} ${path} && chown ${owner} ${path}`);
    },
    async write(path, content, mode, owner) {
      out(`--- write ${path} (owner ${owner}, mode ${octal(mode)}) ---`);
      out(content.replace(/\n$/, ''));
      out(`--- end of ${path} ---`);
    },
    async writeChecked(path, content, mode, owner, check) {
      const tmp = join(dirname(path), `.${basename(path)}.tmp`);
      out(`--- write ${tmp} (owner ${owner}, mode ${octal(mode)}), then check it, then rename it to ${path} ---`);
      out(content.replace(/\n$/, ''));
      out(`--- end of ${path} ---`);
      out(`$ ${showCommand(tool(check.tool, ctx.env), check.args(tmp))}`);
      out(`$ mv ${tmp} ${path}`);
    },
    async remove(path) {
      out(`$ rm -rf ${path}`);
    },
    async run(t, args) {
      out(`$ ${showCommand(tool(t, ctx.env), args)}`);
      return { exitCode: 0, stdout: '', stderr: '', notFound: false, timedOut: false };
    },
    note(text) {
      out(`# ${text}`);
    },
  };
}

export interface RealEffects extends Effects {
  /** Undo every change made so far, newest first. Returns the undo steps that failed. */
  rollback(): Promise<string[]>;
  /** Forget the undo log (after success). */
  commit(): void;
}

export function realEffects(ctx: CommandContext): RealEffects {
  const undo: Array<{ what: string; fn: () => Promise<void> | void }> = [];
  const disk = (p: string) => onDisk(ctx.host, p);

  /** chown through the runner (a root-only operation; tests record it with a fake). Takes an on-disk path. */
  const chown = async (diskPath: string, owner: string) => {
    const file = tool('chown', ctx.env);
    const r = await ctx.runner.run(file, [owner, diskPath]);
    if (r.exitCode !== 0) throw new Error(describeFailure(file, [owner, diskPath], r));
  };

  /** Remember how to put `path` back the way it was. */
  const snapshot = (path: string) => {
    const d = disk(path);
    if (existsSync(d)) {
      const prev = readFileSync(d);
      const mode = statSync(d).mode & 0o7777;
      undo.push({ what: `restore ${path}`, fn: () => { writeFileSync(d, prev, { mode }); chmodSync(d, mode); } });
    } else {
      undo.push({ what: `remove ${path}`, fn: () => rmSync(d, { force: true }) });
    }
  };

  const place = (d: string, content: string, mode: number) => {
    const tmp = join(dirname(d), `.${basename(d)}.tmp`);
    writeFileSync(tmp, content, { mode });
    chmodSync(tmp, mode);
    return tmp;
  };

  return {
    dryRun: false,
    async mkdir(path, mode, owner) {
      const d = disk(path);
      if (!existsSync(d)) {
        // Remember the topmost directory we create, so rollback removes exactly what we added.
        let top = d;
        while (!existsSync(dirname(top))) top = dirname(top);
        mkdirSync(d, { recursive: true, mode });
        undo.push({ what: `remove ${path}`, fn: () => rmSync(top, { recursive: true, force: true }) });
      }
      chmodSync(d, mode);
      await chown(d, owner);
    },
    async write(path, content, mode, owner) {
      const d = disk(path);
      snapshot(path);
      mkdirSync(dirname(d), { recursive: true });
      const tmp = place(d, content, mode);
      try {
        await chown(tmp, owner);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      renameSync(tmp, d);
    },
    async writeChecked(path, content, mode, owner, check) {
      const d = disk(path);
      mkdirSync(dirname(d), { recursive: true });
      const tmp = place(d, content, mode);
      try {
        const file = tool(check.tool, ctx.env);
        const args = check.args(tmp);
        const r = await ctx.runner.run(file, args);
        if (r.exitCode !== 0) throw new Error(`${path} failed validation, nothing was put in place: ${describeFailure(file, args, r)}`);
        await chown(tmp, owner);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      snapshot(path);
      renameSync(tmp, d);
    },
    async remove(path) {
      const d = disk(path);
      if (!existsSync(d)) return;
      if (statSync(d).isFile()) snapshot(path);
      rmSync(d, { recursive: true, force: true });
    },
    async run(t, args, u) {
      const file = tool(t, ctx.env);
      const r = await ctx.runner.run(file, args);
      if (r.exitCode !== 0) throw new Error(describeFailure(file, args, r));
      if (u) {
        undo.push({
          what: showCommand(tool(u.tool, ctx.env), u.args),
          fn: async () => {
            const f = tool(u.tool, ctx.env);
            const ur = await ctx.runner.run(f, u.args);
            if (ur.exitCode !== 0) throw new Error(describeFailure(f, u.args, ur));
          },
        });
      }
      return r;
    },
    note(text) {
      ctx.out(text);
    },
    async rollback() {
      const failed: string[] = [];
      while (undo.length > 0) {
        const step = undo.pop()!;
        try {
          await step.fn();
        } catch (err) {
          failed.push(`${step.what}: ${(err as Error).message}`);
        }
      }
      return failed;
    },
    commit() {
      undo.length = 0;
    },
  };
}
