import t from 'tap';
import { readFileSync } from 'node:fs';
import { parsePlist } from '../../src/parsers/plist.ts';
import type { PlistDict } from '../../src/parsers/plist-model.ts';
import { escapeXml, writePlist } from '../../src/launchd/plist.ts';
import { jobDict, LABEL, PATHS, renderPlist, templatePath } from '../../src/launchd/job.ts';
import { plistutilRoundTrip, which } from './tools.ts';

const USER_JOB = {
  node: '/usr/local/lib/silicon-agent/node_modules/node/bin/node',
  entry: '/usr/local/lib/silicon-agent/dist/src/cli.js',
  privilege: 'user' as const,
  user: '_siliconagent',
  group: '_siliconagent',
};

/** What plistutil (libplist) reads back from our XML, parsed from plistutil's own re-serialisation. */
function viaPlistutil(xml: string): PlistDict {
  const back = plistutilRoundTrip(xml);
  const r = parsePlist(back);
  if (!r.ok) throw new Error(`plistutil output did not parse: ${r.message}`);
  return r.value as PlistDict;
}

t.test('plistutil is installed (CI installs libplist-utils; a missing tool fails here, never skips)', async (t) => {
  t.ok(which('plistutil'), 'plistutil on PATH');
});

t.test('the generated LaunchDaemon plist, read back by libplist, has every key the issue asks for', async (t) => {
  const d = viaPlistutil(renderPlist(USER_JOB));
  t.equal(d.Label, 'io.silicon-agent');
  t.equal(d.Label, LABEL);
  t.same(d.ProgramArguments, [
    '/usr/local/lib/silicon-agent/node_modules/node/bin/node',
    '--max-old-space-size=96',
    '--min-semi-space-size=2',
    '--max-semi-space-size=2',
    '--single-threaded',
    '--no-opt',
    '--v8-pool-size=1',
    '/usr/local/lib/silicon-agent/dist/src/cli.js',
    'run',
    '--config',
    '/usr/local/etc/silicon-agent/config.json',
  ]);
  t.equal(d.RunAtLoad, true);
  t.same(d.KeepAlive, { SuccessfulExit: false, Crashed: true }, 'restarts after a crash or a failing exit, not after a clean stop');
  t.equal(d.ThrottleInterval, 10);
  t.equal(d.ProcessType, 'Background');
  t.equal(d.LowPriorityIO, true);
  t.equal(d.Nice, 5);
  t.equal(d.ExitTimeOut, 15);
  t.equal(d.Umask, 23, 'decimal 23 = octal 027: logs and state are not world-readable');
  t.equal(d.StandardOutPath, '/var/log/silicon-agent/stdout.log');
  t.equal(d.StandardErrorPath, '/var/log/silicon-agent/agent.log');
  t.same(d.EnvironmentVariables, {
    PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
    SILICON_AGENT_LOG_FILE: '/var/log/silicon-agent/agent.log',
    SILICON_AGENT_STATUS_FILE: '/usr/local/var/silicon-agent/status.json',
    // Node's compile cache in the agent's own state directory, never a shared /tmp one: a cache
    // another local user could pre-create would feed code to a job that may run as root.
    SILICON_AGENT_COMPILE_CACHE: '/usr/local/var/silicon-agent/compile-cache',
  });
  t.equal(d.WorkingDirectory, '/usr/local/var/silicon-agent');
  t.equal(d.UserName, '_siliconagent');
  t.equal(d.GroupName, '_siliconagent');
  t.notOk('NumberOfFiles' in d, 'no NumberOfFiles (it would change kern.maxfiles system-wide, reference §5.2)');
  t.notOk('SoftResourceLimits' in d || 'HardResourceLimits' in d);
  t.notOk('AbandonProcessGroup' in d, 'default false: launchd kills powermetrics with the agent');
  t.ok(String(d.StandardErrorPath).startsWith(PATHS.logDir + '/'));
});

t.test('--root: no UserName/GroupName, so launchd runs the job as root', async (t) => {
  const d = viaPlistutil(renderPlist({ ...USER_JOB, privilege: 'root' }));
  t.notOk('UserName' in d);
  t.notOk('GroupName' in d);
  t.equal(d.Label, 'io.silicon-agent');
});

t.test('every key in the template reaches the file; no placeholder is left', async (t) => {
  const template = JSON.parse(readFileSync(templatePath('plist'), 'utf8')) as Record<string, unknown>;
  const xml = renderPlist(USER_JOB);
  t.notMatch(xml, /\{\{/);
  t.same(Object.keys(jobDict(USER_JOB)), Object.keys(template));
  t.same(Object.keys(viaPlistutil(xml)).sort(), Object.keys(template).sort());
});

t.test('escaping: markup characters survive libplist; relative paths and XML-illegal characters are refused', async (t) => {
  const odd = 'a&b <c> "d" \'e\' ]]> é ✓';
  const d = viaPlistutil(writePlist({ [odd]: odd, list: [odd, 7, false], empty: [], none: {} }));
  t.equal(d[odd], odd);
  t.same(d.list, [odd, 7, false]);
  t.equal(escapeXml('<&>'), '&lt;&amp;&gt;');
  t.throws(() => escapeXml('bell\u0007'), /XML cannot carry/);
  t.throws(() => writePlist({ x: 1.5 }), /only integers/);
  t.throws(() => renderPlist({ ...USER_JOB, node: 'node' }), /absolute path/);
});

t.test('libplist rejects a broken document (the round trip really validates)', async (t) => {
  t.throws(() => plistutilRoundTrip(renderPlist(USER_JOB).replace('</dict>\n</plist>', '</plist>')));
});
