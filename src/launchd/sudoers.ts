/**
 * The sudoers drop-in that lets the unprivileged agent user run powermetrics as root, and nothing
 * else: one `Cmnd_Alias` listing every exact command line the agent may use (the configured one and
 * each degraded variant the budget logic can switch to), and one NOPASSWD rule for that alias.
 *
 * Least privilege, enforced here and asserted in test/launchd/sudoers.test.ts:
 * - every command line is absolute `/usr/bin/powermetrics` followed by its exact arguments; sudo
 *   matches the arguments literally. A command with *no* arguments would allow any arguments, so an
 *   empty argument list is refused;
 * - no wildcard characters (`* ? [ ]`), no `ALL`, and no argument that makes powermetrics write a
 *   file (`-o`/`--output-file`, and the older releases' `-u`, reference §1.1): a rule allowing those
 *   would let the agent user write any file as root;
 * - sudoers metacharacters in arguments (the commas of a sampler list) are backslash-escaped.
 */
import { TOOL_PATHS } from '../sources/binaries.ts';

/** Arguments that must never be allowed: each writes powermetrics' output to a file of the caller's choosing. */
export const FORBIDDEN_ARGS = ['-o', '--output-file', '-u'] as const;
const WILDCARD = /[*?[\]]/;
const SUDOERS_SPECIAL = /[\\,:=()!#"]/g;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export function checkArgs(args: readonly string[]): string | undefined {
  if (args.length === 0) return 'an empty argument list would allow any arguments';
  for (const a of args) {
    if (a === '' || /\s/.test(a)) return `argument ${JSON.stringify(a)} is empty or contains whitespace`;
    if (WILDCARD.test(a)) return `argument ${JSON.stringify(a)} contains a wildcard character`;
    if (a === 'ALL') return 'argument ALL is not allowed';
    for (const f of FORBIDDEN_ARGS) {
      if (a === f || a.startsWith(f + '=') || (f.length === 2 && a.startsWith(f))) {
        return `argument ${a} would let the agent user write a file as root`;
      }
    }
  }
  return undefined;
}

/** One command line in sudoers syntax: the binary and its escaped arguments. */
export function sudoersCommand(args: readonly string[]): string {
  const problem = checkArgs(args);
  if (problem) throw new Error(`sudoers: refusing powermetrics command line: ${problem}`);
  return [TOOL_PATHS.powermetrics, ...args.map((a) => a.replace(SUDOERS_SPECIAL, (c) => '\\' + c))].join(' ');
}

export const CMND_ALIAS = 'SILICON_AGENT_POWERMETRICS';

/** The drop-in's full text. `commandLines` are argument lists after /usr/bin/powermetrics. */
export function renderSudoers(user: string, commandLines: ReadonlyArray<readonly string[]>): string {
  if (!USER_NAME.test(user)) throw new Error(`sudoers: invalid user name ${JSON.stringify(user)}`);
  const unique = [...new Map(commandLines.map((a) => [a.join('\u0000'), a])).values()];
  if (unique.length === 0) throw new Error('sudoers: no powermetrics command line to allow');
  const cmds = unique.map(sudoersCommand);
  return [
    '# silicon-agent: written by `silicon-agent install`, removed by `silicon-agent uninstall`.',
    `# Lets ${user} run exactly these powermetrics command lines as root, and nothing else.`,
    '# Generated from the agent\'s own argument builder; do not edit (a re-install rewrites it).',
    `Cmnd_Alias ${CMND_ALIAS} = ${cmds.join(', \\\n    ')}`,
    `${user} ALL = (root) NOPASSWD: ${CMND_ALIAS}`,
    '',
  ].join('\n');
}
