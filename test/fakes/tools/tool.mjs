// Fake macOS tools for the process-level supervision tests (test/sources/supervision.test.ts).
// Each wrapper script in this folder (`powermetrics`, `iostat`, `vm_stat`, `sysctl`, `netstat`, `ioreg`, `sudo`) execs
// `node tool.mjs <name> <args…>`. They replay REAL captures (FAKE_<NAME>_FILE) the way the tool
// writes them, or misbehave on request. Plain JavaScript so any Node version can run it.
//
// Environment (NAME is the upper-cased tool name):
//   FAKE_<NAME>_MODE       stream (default) | die | hang | junk | superuser | ignore-term | stderr-noise |
//                          slow | missing-oid | password
//                          or the first line of the file FAKE_<NAME>_MODE_FILE when that exists
//   FAKE_<NAME>_FILE       the capture to replay
//   FAKE_<NAME>_DIE_AFTER  stream: exit 1 after this many units
//   FAKE_INTERVAL_MS       emit one unit per this many ms instead of the tool's own -i / -w
//   FAKE_LOG               append "<start|end> <ms> <pid> <name> <args…>" lines here
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const NAME = name.toUpperCase();
const env = process.env;
const log = (what) => env.FAKE_LOG && appendFileSync(env.FAKE_LOG, `${what} ${Date.now()} ${process.pid} ${name} ${args.join(' ')}\n`);
log('start');
process.on('exit', () => log('end'));

let mode = env[`FAKE_${NAME}_MODE`] ?? 'stream';
const modeFile = env[`FAKE_${NAME}_MODE_FILE`];
if (modeFile && existsSync(modeFile)) mode = readFileSync(modeFile, 'utf8').split('\n')[0].trim() || mode;

const arg = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

if (name === 'sudo') {
  // `sudo -n <cmd> …`: refuse like sudo without a rule, or run the command.
  if (mode === 'password') {
    process.stderr.write('sudo: a password is required\n');
    process.exit(1);
  }
  process.stderr.write('fake sudo: only the "password" mode is implemented\n');
  process.exit(2);
}

if (mode === 'superuser') {
  process.stderr.write('powermetrics must be invoked as the superuser\n');
  process.exit(1);
}
if (mode === 'die') {
  process.stderr.write(`${name}: fake crash\n`);
  process.exit(3);
}

// ioreg: one capture per registry class asked for (`-c IOAccelerator` → FAKE_IOREG_IOACCELERATOR_FILE).
const file = name === 'ioreg' ? env[`FAKE_IOREG_${String(arg('-c')).toUpperCase()}_FILE`] : env[`FAKE_${NAME}_FILE`];
const data = file ? readFileSync(file) : Buffer.alloc(0);

// One-shot tools: print the capture and exit.
if (name === 'vm_stat' || name === 'sysctl' || name === 'netstat' || name === 'ioreg') {
  const finish = () => {
    process.stdout.write(data);
    if (mode === 'missing-oid') {
      process.stderr.write("sysctl: unknown oid 'hw.perflevel1'\n");
      process.exitCode = 1;
    }
  };
  if (mode === 'slow') setTimeout(finish, Number(env.FAKE_SLOW_MS ?? 300));
  else finish();
} else {
  // Streams: powermetrics documents (NUL before every document after the first), iostat rows.
  let units;
  if (name === 'powermetrics') {
    units = data
      .toString('latin1')
      .split('\0')
      .filter((d) => d.includes('</plist>'))
      .map((d) => Buffer.from(d, 'latin1'));
  } else {
    const lines = data.toString('latin1').split(/(?<=\n)/);
    units = [];
    let acc = '';
    for (const l of lines) {
      acc += l;
      if (/^\s*\d/.test(l)) {
        units.push(Buffer.from(acc, 'latin1'));
        acc = '';
      }
    }
  }
  const own = name === 'powermetrics' ? Number(arg('-i') ?? 5000) : Number(arg('-w') ?? 1) * 1000;
  const interval = Number(env.FAKE_INTERVAL_MS ?? own);
  const dieAfter = env[`FAKE_${NAME}_DIE_AFTER`] !== undefined ? Number(env[`FAKE_${NAME}_DIE_AFTER`]) : Infinity;
  if (mode === 'ignore-term') process.on('SIGTERM', () => process.stderr.write('ignoring SIGTERM\n'));
  let n = 0;
  const tick = () => {
    if (n >= dieAfter) {
      process.stderr.write(`${name}: fake exit after ${n} units\n`);
      process.exit(1);
    }
    if (mode === 'junk') {
      process.stdout.write(`#%&junk ${n} \u0001\u0002 not output\n`);
      process.stderr.write(`proc_pid ${process.pid + n} something\n`);
    } else {
      if (name === 'powermetrics' && n > 0) process.stdout.write('\0');
      process.stdout.write(units[n % units.length]);
      if (mode === 'stderr-noise') process.stderr.write(`Second underflow occured ${n}\n`);
    }
    n++;
    if (mode === 'hang' && n >= 1) return; // alive, silent
    setTimeout(tick, interval);
  };
  // powermetrics prints its first document after one interval; iostat its first row at once.
  setTimeout(tick, name === 'powermetrics' ? interval : 0);
  setInterval(() => {}, 1 << 30); // stay alive while silent
}
