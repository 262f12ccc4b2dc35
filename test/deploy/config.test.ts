// The manifests agree with the code: every environment variable is a key of the component it configures,
// every config file loads through the component's own loader, every port is the component's, shutdown timing
// covers each drain deadline, autoscalers stop at the partition count, and the rendered agent config serves
// the rendered sampling strategies.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ENV_VARS } from '@skein/client';
import { freePort } from '@skein/devstack';
import { runComponent, type Schema } from '@skein/runtime';
import {
  COMPONENTS,
  ROOT,
  TARGETS,
  at,
  containersOf,
  environmentNames,
  esSchema,
  find,
  fullSchema,
  isObject,
  loadConfig,
  nameOf,
  podSpec,
  rendered,
  type JsonObject,
  type Resource,
} from './support.js';

const work = mkdtempSync(join(tmpdir(), 'skein-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// Node's own variable, the one non-skein variable a skein container may set.
const NODE_VARIABLES = new Set(['NODE_OPTIONS']);

// The ports each component must publish in every manifest that runs it (the agent may gain more listeners,
// e.g. OTLP, which manifests add when they use them).
const REQUIRED_PORTS: Record<string, readonly string[]> = {
  agent: [
    'udp.compact.port',
    'udp.binary.port',
    'udp.zipkin.port',
    'http.port',
    'grpc.port',
    'sampling.port',
    'admin.port',
  ],
  ingester: ['admin.port'],
  query: ['http.port', 'grpc.port', 'admin.port'],
};

interface SkeinContainer {
  target: string;
  workload: JsonObject;
  pod: JsonObject;
  container: JsonObject;
  command: string;
  where: string;
}

function skeinContainers(target: string): SkeinContainer[] {
  const out: SkeinContainer[] = [];
  for (const { object } of rendered(target)) {
    const pod = podSpec(object);
    if (!pod) continue;
    for (const container of containersOf(pod)) {
      const image = String(container.image ?? '');
      if (!/^skein(:|@|$)/.test(image)) continue;
      const args = Array.isArray(container.args) ? container.args.map(String) : [];
      out.push({
        target,
        workload: object,
        pod,
        container,
        command: args[0] ?? '',
        where: `${target}: ${String(object.kind)} ${nameOf(object)}, container ${String(container.name)}`,
      });
    }
  }
  return out;
}

const allContainers = Object.keys(TARGETS).flatMap(skeinContainers);

/** The file a `--config <path>` argument names, written out from the ConfigMap mounted at its directory. */
function configFile(c: SkeinContainer): string {
  const args = (c.container.args as string[]).map(String);
  const i = args.indexOf('--config');
  assert.ok(i > 0 && args[i + 1], `${c.where}: no --config`);
  return mountedFile(c, args[i + 1] as string);
}

function mountedFile(c: SkeinContainer, path: string): string {
  const mounts = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts.filter(isObject) : [];
  const mount = mounts.find((m) => path.startsWith(`${String(m.mountPath)}/`));
  assert.ok(mount, `${c.where}: nothing is mounted at ${path}`);
  const key = path.slice(String(mount.mountPath).length + 1);
  const volumes = Array.isArray(c.pod.volumes) ? c.pod.volumes.filter(isObject) : [];
  const volume = volumes.find((v) => v.name === mount.name);
  const cmName = at(volume, 'configMap', 'name');
  assert.equal(typeof cmName, 'string', `${c.where}: volume ${String(mount.name)} is not a ConfigMap`);
  const cm = find(rendered(c.target), 'ConfigMap', cmName as string);
  assert.ok(cm, `${c.where}: ConfigMap ${String(cmName)} is not in the rendering`);
  const text = at(cm, 'data', key);
  assert.equal(typeof text, 'string', `${c.where}: ConfigMap ${String(cmName)} has no key ${key}`);
  const file = join(work, `${c.target}-${nameOf(c.workload)}-${String(c.container.name)}-${key}`);
  writeFileSync(file, text as string);
  return file;
}

/** The container's configuration as the component loads it: defaults < its config file (env aside). */
function effectiveConfig(c: SkeinContainer, schema: Schema): Record<string, unknown> {
  return loadConfig(schema, { file: configFile(c), env: {} }).config as Record<string, unknown>;
}

const seconds = (ms: unknown): number => Number(ms) / 1000;

function preStopSleep(container: JsonObject): number {
  const s = at(container, 'lifecycle', 'preStop', 'sleep', 'seconds');
  return typeof s === 'number' ? s : 0;
}

function quantityBytes(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  assert.ok(m, `cannot read the quantity ${String(q)}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

describe('manifests against the components', () => {
  test('every rendering runs agent, ingester and query from the skein image, and only known commands', () => {
    assert.ok(allContainers.length >= 10);
    for (const c of allContainers) {
      assert.ok(
        ['agent', 'ingester', 'query', 'es', 'tracegen'].includes(c.command),
        `${c.where}: ${c.command}`,
      );
      assert.equal(c.container.image, `skein:${VERSION}`, `${c.where}: the release's tag, never latest`);
    }
    for (const target of Object.keys(TARGETS)) {
      const commands = new Set(skeinContainers(target).map((c) => c.command));
      for (const c of ['agent', 'ingester', 'query', 'es'])
        assert.ok(commands.has(c), `${target} runs no ${c}`);
    }
  });

  test('every environment variable a skein container sets is a key of that component', async () => {
    const schemas: Record<string, Schema> = {
      ...Object.fromEntries(Object.entries(COMPONENTS).map(([n, c]) => [n, fullSchema(c)])),
      es: await esSchema(),
    };
    let checked = 0;
    for (const c of allContainers) {
      const env = Array.isArray(c.container.env) ? c.container.env.filter(isObject) : [];
      const names = env.map((e) => String(e.name));
      if (c.command === 'tracegen') {
        // The example application: the variables are the ones a Jaeger client reads.
        for (const name of names)
          assert.ok((ENV_VARS as readonly string[]).includes(name), `${c.where}: ${name}`);
        continue;
      }
      const allowed = environmentNames(schemas[c.command] as Schema);
      for (const name of names) {
        assert.ok(
          allowed.has(name) || NODE_VARIABLES.has(name),
          `${c.where}: ${name} sets no ${c.command} key`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 5, `only ${checked} variables checked`);
  });

  test('every $(VAR) in arguments and values is defined before it is used', () => {
    for (const c of allContainers) {
      const env = Array.isArray(c.container.env) ? c.container.env.filter(isObject) : [];
      const defined: string[] = [];
      const uses = (text: string): string[] =>
        [...text.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1] as string);
      for (const e of env) {
        for (const v of uses(String(e.value ?? '')))
          assert.ok(defined.includes(v), `${c.where}: ${String(e.name)} uses ${v}`);
        defined.push(String(e.name));
      }
      for (const arg of (c.container.args as unknown[]).map(String)) {
        for (const v of uses(arg)) assert.ok(defined.includes(v), `${c.where}: argument uses $(${v})`);
      }
    }
  });

  test('every config file loads with the component schema (unknown keys and bad values are errors)', async () => {
    const es = await esSchema();
    for (const c of allContainers) {
      if (c.command === 'tracegen') continue;
      const schema = c.command === 'es' ? es : fullSchema(COMPONENTS[c.command] as never);
      assert.doesNotThrow(() => effectiveConfig(c, schema), c.where);
    }
  });

  test('every container port is the port its component listens on, with the right protocol', () => {
    for (const c of allContainers) {
      const component = COMPONENTS[c.command];
      if (!component) continue;
      const schema = fullSchema(component);
      const config = effectiveConfig(c, schema);
      const ports = Array.isArray(c.container.ports) ? c.container.ports.filter(isObject) : [];
      const portKeys = Object.keys(schema).filter((k) => schema[k]?.type === 'port');
      for (const key of REQUIRED_PORTS[c.command] ?? []) {
        // Ports stay the components' (and Jaeger's) defaults, so clients need no per-cluster settings.
        assert.equal(config[key], schema[key]?.default, `${c.where}: ${key} moved from its default`);
        const declared = ports.find((p) => p.containerPort === config[key]);
        assert.ok(declared, `${c.where}: ${key} (${String(config[key])}) is not a container port`);
        assert.equal(
          declared.protocol ?? 'TCP',
          key.startsWith('udp.') ? 'UDP' : 'TCP',
          `${c.where}: ${key}`,
        );
      }
      for (const p of ports) {
        const key = portKeys.find((k) => config[k] === p.containerPort);
        assert.ok(key, `${c.where}: port ${String(p.containerPort)} is no listener of ${c.command}`);
        if (p.hostPort !== undefined) assert.equal(p.hostPort, p.containerPort, `${c.where}: hostPort`);
        if (p.name === 'admin') assert.equal(key, 'admin.port', `${c.where}: the port named admin`);
      }
    }
  });

  test('probes: liveness on /live and readiness on /health, both on the admin port', () => {
    for (const c of allContainers) {
      if (!COMPONENTS[c.command]) continue;
      assert.equal(at(c.container, 'livenessProbe', 'httpGet', 'path'), '/live', c.where);
      assert.equal(at(c.container, 'livenessProbe', 'httpGet', 'port'), 'admin', c.where);
      assert.equal(at(c.container, 'readinessProbe', 'httpGet', 'path'), '/health', c.where);
      assert.equal(at(c.container, 'readinessProbe', 'httpGet', 'port'), 'admin', c.where);
    }
  });

  test('every skein container has CPU and memory requests and a memory limit above its Node heap cap', () => {
    for (const c of allContainers) {
      assert.ok(at(c.container, 'resources', 'requests', 'cpu'), `${c.where}: cpu request`);
      assert.ok(at(c.container, 'resources', 'requests', 'memory'), `${c.where}: memory request`);
      const limit = quantityBytes(at(c.container, 'resources', 'limits', 'memory'));
      const nodeOptions = (Array.isArray(c.container.env) ? c.container.env.filter(isObject) : []).find(
        (e) => e.name === 'NODE_OPTIONS',
      );
      const heap = /--max-old-space-size=(\d+)/.exec(String(nodeOptions?.value ?? ''));
      if (heap)
        assert.ok(Number(heap[1]) * 2 ** 20 <= limit * 0.8, `${c.where}: heap cap too close to the limit`);
    }
  });

  test('shutdown: each pod has time for its drain deadline (shutdown.timeout) after preStop', () => {
    for (const c of allContainers) {
      const component = COMPONENTS[c.command];
      if (!component) continue;
      const config = effectiveConfig(c, fullSchema(component));
      const grace = c.pod.terminationGracePeriodSeconds;
      assert.equal(typeof grace, 'number', `${c.where}: terminationGracePeriodSeconds`);
      const native = c.container.restartPolicy === 'Always';
      // A native sidecar is stopped after the application containers: leave them 10 s first.
      const before = native ? 10 : preStopSleep(c.container);
      const needed = before + seconds(config['shutdown.timeout']) + 3;
      assert.ok((grace as number) >= needed, `${c.where}: grace ${String(grace)} s < ${needed} s`);
    }
  });

  test('the agent: DaemonSet on the host network, sidecar on loopback, the application pointed at it', () => {
    const ds = find(rendered('daemonset'), 'DaemonSet', 'skein-agent');
    assert.ok(ds);
    assert.equal(at(ds, 'spec', 'template', 'spec', 'hostNetwork'), true);
    assert.equal(at(ds, 'spec', 'template', 'spec', 'dnsPolicy'), 'ClusterFirstWithHostNet');
    const hostEnv = (at(
      podSpec(find(rendered('daemonset'), 'Deployment', 'example-app') as JsonObject),
      'containers',
      0,
      'env',
    ) ?? []) as JsonObject[];
    assert.equal(
      at(
        hostEnv.find((e) => e.name === 'JAEGER_AGENT_HOST'),
        'valueFrom',
        'fieldRef',
        'fieldPath',
      ),
      'status.hostIP',
    );

    assert.equal(find(rendered('sidecar'), 'DaemonSet', 'skein-agent'), undefined);
    const app = find(rendered('sidecar'), 'Deployment', 'example-app') as JsonObject;
    const sidecar = skeinContainers('sidecar').find((c) => c.workload === app && c.command === 'agent');
    assert.ok(sidecar);
    assert.equal(sidecar.container.restartPolicy, 'Always', 'a native sidecar: it outlives the application');
    const config = effectiveConfig(sidecar, fullSchema(COMPONENTS.agent as never));
    // Receivers and sampling on the pod's loopback; admin on every address, for probes and scraping.
    assert.equal(config['receivers.host'], '127.0.0.1');
    for (const key of ['http.host', 'grpc.host', 'sampling.host', 'otlp.grpc.host', 'otlp.http.host']) {
      assert.equal(config[key], undefined, `${key} follows receivers.host`);
    }
    assert.equal(config['admin.host'], '0.0.0.0');
    assert.equal(at(app, 'spec', 'template', 'metadata', 'annotations', 'prometheus.io/port'), '14271');
    // The DaemonSet's applications send to the node's IP: its receivers listen on every address.
    const dsAgent = skeinContainers('daemonset').find((c) => c.workload === ds && c.command === 'agent');
    assert.ok(dsAgent);
    assert.equal(
      effectiveConfig(dsAgent, fullSchema(COMPONENTS.agent as never))['receivers.host'],
      '0.0.0.0',
    );
    const appEnv = (at(podSpec(app), 'containers', 0, 'env') ?? []) as JsonObject[];
    assert.equal(appEnv.find((e) => e.name === 'JAEGER_AGENT_HOST')?.value, 'localhost');
    assert.equal(
      appEnv.find((e) => e.name === 'JAEGER_AGENT_PORT')?.value,
      String(config['udp.compact.port']),
    );
  });

  for (const target of Object.keys(TARGETS)) {
    test(`${target}: ingesters never outnumber partitions, and every component uses the same topics and indices`, async () => {
      const resources: Resource[] = rendered(target);
      const ingester = skeinContainers(target).find((c) => c.command === 'ingester');
      assert.ok(ingester);
      const ic = effectiveConfig(ingester, fullSchema(COMPONENTS.ingester as never));
      const topic = resources.find(
        (r) => r.object.kind === 'KafkaTopic' && at(r.object, 'spec', 'topicName') === ic['kafka.topic'],
      );
      assert.ok(topic, `no KafkaTopic ${String(ic['kafka.topic'])}`);
      const dlq = resources.find(
        (r) => r.object.kind === 'KafkaTopic' && at(r.object, 'spec', 'topicName') === ic['kafka.dlq-topic'],
      );
      assert.ok(dlq, `no KafkaTopic ${String(ic['kafka.dlq-topic'])}`);
      const partitions = at(topic.object, 'spec', 'partitions') as number;
      const deployment = ingester.workload;
      const replicas = at(deployment, 'spec', 'replicas');
      if (typeof replicas === 'number') assert.ok(replicas <= partitions);
      const scalers = resources.filter(
        (r) =>
          ['HorizontalPodAutoscaler', 'ScaledObject'].includes(String(r.object.kind)) &&
          at(r.object, 'spec', 'scaleTargetRef', 'name') === nameOf(deployment),
      );
      assert.equal(scalers.length, 1, 'one autoscaler for the ingesters');
      const scaler = (scalers[0] as Resource).object;
      const max = at(
        scaler,
        'spec',
        scaler.kind === 'ScaledObject' ? 'maxReplicaCount' : 'maxReplicas',
      ) as number;
      const min = at(
        scaler,
        'spec',
        scaler.kind === 'ScaledObject' ? 'minReplicaCount' : 'minReplicas',
      ) as number;
      assert.ok(
        max <= partitions,
        `${String(scaler.kind)} allows ${max} ingesters for ${partitions} partitions`,
      );
      assert.ok(min >= 2 && min <= max);
      if (scaler.kind === 'ScaledObject') {
        const trigger = at(scaler, 'spec', 'triggers', 0, 'metadata') as JsonObject;
        assert.equal(trigger.topic, ic['kafka.topic']);
        assert.equal(trigger.consumerGroup, ic['kafka.group-id']);
        assert.equal(trigger.offsetResetPolicy, ic['kafka.from-beginning'] ? 'earliest' : 'latest');
        assert.equal(trigger.allowIdleConsumers, 'false');
      }
      const pdb = resources.find(
        (r) => r.object.kind === 'PodDisruptionBudget' && nameOf(r.object) === nameOf(deployment),
      );
      assert.ok(pdb, 'a PodDisruptionBudget for the ingesters');

      const agents = skeinContainers(target).filter((c) => c.command === 'agent');
      assert.ok(agents.length > 0);
      for (const a of agents) {
        assert.equal(
          effectiveConfig(a, fullSchema(COMPONENTS.agent as never))['kafka.topic'],
          ic['kafka.topic'],
        );
      }
      const query = skeinContainers(target).find((c) => c.command === 'query');
      const es = skeinContainers(target).find((c) => c.command === 'es');
      assert.ok(query && es);
      const qc = effectiveConfig(query, fullSchema(COMPONENTS.query as never));
      const ec = effectiveConfig(es, await esSchema());
      for (const key of ['es.url', 'es.index-prefix', 'es.use-aliases']) {
        assert.equal(qc[key], ic[key], `query ${key}`);
        assert.equal(ec[key], ic[key], `es init ${key}`);
      }
      for (const key of ['es.shards', 'es.replicas']) assert.equal(ec[key], ic[key], `es init ${key}`);
      assert.equal(qc['es.tags-as-fields.dot-replacement'], ic['es.tags-as-fields.dot-replacement']);
    });
  }

  test('the rendered agent config and strategies start an agent that serves them', async () => {
    const c = skeinContainers('daemonset').find((x) => x.command === 'agent');
    assert.ok(c);
    const schema = fullSchema(COMPONENTS.agent as never);
    const config = effectiveConfig(c, schema);
    const strategies = mountedFile(c, String(config['sampling.strategies-file']));
    const samplingPort = await freePort();
    const running = await runComponent(COMPONENTS.agent as never, {
      argv: [
        '--config',
        configFile(c),
        `--sampling.strategies-file=${strategies}`,
        '--receivers.host=127.0.0.1',
        '--admin.host=127.0.0.1',
        // Every listener on a free port (0), whatever listeners the agent has; sampling on a known one.
        ...Object.keys(schema)
          .filter((k) => schema[k]?.type === 'port' && k !== 'sampling.port')
          .map((k) => `--${k}=0`),
        `--sampling.port=${samplingPort}`,
        // Nothing listens there: the agent starts and queues without Kafka.
        '--kafka.brokers=127.0.0.1:1',
        '--log.level=error',
      ],
      env: {},
      handleSignals: false,
    });
    try {
      const frontend = (await (
        await fetch(`http://127.0.0.1:${samplingPort}/sampling?service=frontend`)
      ).json()) as JsonObject;
      assert.equal(frontend.strategyType, 'RATE_LIMITING');
      assert.deepEqual(frontend.rateLimitingSampling, { maxTracesPerSecond: 20 });
      const other = (await (
        await fetch(`http://127.0.0.1:${samplingPort}/sampling?service=other`)
      ).json()) as JsonObject;
      assert.equal(at(other, 'probabilisticSampling', 'samplingRate'), 0.01);
      const health = await fetch(`http://127.0.0.1:${running.admin.port}/health`);
      assert.equal(health.status, 200);
    } finally {
      await running.stop('test done');
    }
  });
});
