/**
 * Exit codes from sysexits(3), the ones the CLI uses. README "Exit codes" lists what each command
 * returns and what launchd does then. A utility: imported by anyone, imports nothing of ours.
 */
export const EX_OK = 0;
export const EX_USAGE = 64;
/** The input data was wrong: a replay manifest that does not parse, a capture that is not one. */
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;
/** A service the agent needs is unavailable: the Prometheus port is already in use. */
export const EX_UNAVAILABLE = 69;
/** An internal error: a start-up failure no other code describes. */
export const EX_SOFTWARE = 70;
/** Temporary: the log file was rotated; launchd starts the agent again on the fresh file. */
export const EX_TEMPFAIL = 75;
/** Not permitted: the Prometheus port needs privileges the agent does not have. */
export const EX_NOPERM = 77;
/** Any configuration error, from the file, an environment variable or a value no host can serve. */
export const EX_CONFIG = 78;
