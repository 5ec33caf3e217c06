/**
 * deploy/otel-collector.yaml, checked by the REAL Collector (test-support/collector, docs/collector.md)
 * instead of as YAML only:
 *  - `otelcol validate` accepts it with the environment variables it names set to loopback URLs, and
 *    rejects it without them, or with a broken pipeline (so the validation is not a no-op);
 *  - run as shipped (the gateway pipeline; only the receiver's port and the Collector's own metrics port
 *    moved), it starts without a deprecation warning and forwards an agent's push through
 *    `otlp_http/gateway` to a second Collector standing in as the gateway, whose Prometheus exporter then
 *    serves the agent's series with `instance` = the host name (the resource processor's work).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { getText, ROOT, runCollector, startCollector, startPushingAgent } from '../helpers/collector.ts';
import { freePort, waitFor } from '../helpers/prometheus.ts';
import { parseExposition } from './exposition.ts';

const DEPLOY = join(ROOT, 'deploy', 'otel-collector.yaml');
const NAMED_VARS = [...readFileSync(DEPLOY, 'utf8').matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!);

t.test('otelcol validate accepts the shipped file with its variables set to loopback URLs', async (t) => {
  t.same([...new Set(NAMED_VARS)].sort(), ['GATEWAY_OTLP_ENDPOINT', 'PROMETHEUS_REMOTE_WRITE_ENDPOINT'], 'the variables it names');
  const env = {
    GATEWAY_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    PROMETHEUS_REMOTE_WRITE_ENDPOINT: `http://127.0.0.1:${await freePort()}/api/v1/write`,
  };
  const ok = await runCollector(['validate', `--config=${DEPLOY}`], env);
  t.equal(ok.status, 0, `validate exits 0${ok.output ? `: ${ok.output}` : ''}`);

  const unset = await runCollector(['validate', `--config=${DEPLOY}`]);
  t.not(unset.status, 0, 'without the variables it is rejected');
  t.match(unset.output, /otlp_?http\/gateway: .*endpoint/, 'because the gateway exporter has no endpoint');

  const broken = await runCollector(
    ['validate', `--config=${DEPLOY}`, '--set=service.pipelines.metrics.exporters=[no_such_exporter]'],
    env,
  );
  t.not(broken.status, 0, 'a pipeline naming an undefined exporter is rejected');
  t.match(broken.output, /no_such_exporter/, 'and the error names it');
});

t.test('run as shipped, it forwards an agent push to a gateway Collector, without deprecation warnings', async (t) => {
  // The gateway: OTLP/HTTP in, Prometheus exporter out.
  const gatewayOtlp = await freePort();
  const gatewayProm = await freePort();
  const gateway = await startCollector({
    otlpPort: gatewayOtlp,
    configs: [
      `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${gatewayOtlp}
exporters:
  prometheus:
    endpoint: 127.0.0.1:${gatewayProm}
service:
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheus]
  telemetry:
    metrics:
      level: none
`,
    ],
  });
  t.teardown(() => gateway.stop());

  const nodeOtlp = await freePort();
  const node = await startCollector({
    otlpPort: nodeOtlp,
    paths: [DEPLOY],
    configs: [
      `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${nodeOtlp}
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${await freePort()}
`,
    ],
    env: {
      GATEWAY_OTLP_ENDPOINT: gateway.otlpUrl,
      PROMETHEUS_REMOTE_WRITE_ENDPOINT: `http://127.0.0.1:${await freePort()}/api/v1/write`,
    },
  });
  t.teardown(() => node.stop());

  const agent = await startPushingAgent(join(ROOT, 'fixtures/replay/m2-ultra'), {
    exporters: { otlp: { endpoint: node.otlpUrl, intervalMs: 1000 } },
    resource: { attributes: { 'host.name': 'studio-07' } },
  });
  t.teardown(() => agent.stop());

  // The node batches for up to 5 s (its batch processor) before forwarding.
  const page = await waitFor(
    "the agent's series on the gateway's Prometheus exporter",
    async () => {
      const p = parseExposition(await getText(`http://127.0.0.1:${gatewayProm}/metrics`));
      return p.series.some((s) => s.name === 'hw_power_watts') ? p : undefined;
    },
    60_000,
    500,
  );
  const power = page.series.filter((s) => s.name === 'hw_power_watts');
  t.same(power.map((s) => s.labels.hw_id).sort(), ['cpu', 'gpu'], 'hw_power_watts for cpu and gpu');
  for (const s of page.series) t.equal(s.labels.instance, 'studio-07', `${s.name}: instance is the host name`);
  const info = page.series.find((s) => s.name === 'target_info');
  t.equal(info?.labels.host_name, 'studio-07', 'target_info keeps host_name');
  t.notMatch(node.log(), /deprecated/i, 'the node Collector logs no deprecation warning');
  t.notMatch(node.log(), /\t(error)\t/, 'and no error');
});
