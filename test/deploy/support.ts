// What the deploy tests share: the renderings, offline validation against the Kubernetes (and CRD) schemas,
// the components' schemas and metric registries, and a PromQL reader for metric and label names.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { Ajv } from 'ajv';
import { agentComponent } from '@skein/agent';
import { ingesterComponent } from '@skein/ingester';
import { queryComponent } from '@skein/query';
import {
  commonSchema,
  createLogger,
  createRegistry,
  envName,
  loadConfig,
  type ComponentDefinition,
  type Schema,
} from '@skein/runtime';
import {
  containersOf,
  isObject,
  nameOf,
  readYamlObjects,
  renderKustomization,
  type JsonObject,
  type Resource,
} from '../../scripts/deploy/kustomize.js';
import { KUBERNETES_DIR, ROOT, TARGETS } from '../../scripts/render-deploy.js';

export { ROOT, TARGETS, KUBERNETES_DIR };
export { containersOf, isObject, nameOf, readYamlObjects, type JsonObject, type Resource };

/** Every YAML file under deploy/, relative to the repository root. */
export function deployYamlFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return /\.ya?ml$/.test(name) ? [relative(ROOT, path)] : [];
    });
  return walk(join(ROOT, 'deploy')).sort();
}

const renderings = new Map<string, Resource[]>();

/** A target's resources, rendered once per test process. */
export function rendered(target: string): Resource[] {
  let out = renderings.get(target);
  if (!out) {
    const dir = TARGETS[target];
    if (dir === undefined) throw new Error(`no target ${target}`);
    out = renderKustomization(join(KUBERNETES_DIR, dir));
    renderings.set(target, out);
  }
  return out;
}

export function find(resources: readonly Resource[], kind: string, name: string): JsonObject | undefined {
  return resources.find((r) => r.object.kind === kind && nameOf(r.object) === name)?.object;
}

export function at(value: unknown, ...path: Array<string | number>): unknown {
  let v: unknown = value;
  for (const p of path) {
    if (typeof p === 'number') v = Array.isArray(v) ? v[p] : undefined;
    else v = isObject(v) ? v[p] : undefined;
  }
  return v;
}

/** The pod spec of a workload (Deployment, DaemonSet, Job, …), if it has one. */
export function podSpec(object: JsonObject): JsonObject | undefined {
  const spec = at(object, 'spec', 'template', 'spec');
  return isObject(spec) ? spec : undefined;
}

// ---- Schemas ----

const STRIMZI_KAFKA_TOPIC = JSON.parse(
  readFileSync(new URL('./schemas/kafka.strimzi.io_v1beta2_kafkatopic.json', import.meta.url), 'utf8'),
) as object;

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateKafkaTopic = ajv.compile(STRIMZI_KAFKA_TOPIC);

/** The npm module that models an apiVersion's kinds, and the name of its interface for a kind. */
function modelModule(apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  if (group === 'monitoring.coreos.com') {
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  }
  if (group === '') return `kubernetes-models/${version}/${kind}`;
  if (group && !group.endsWith('strimzi.io')) return `kubernetes-models/${group}/${version}/${kind}`;
  return undefined;
}

interface Model {
  validate(): void;
}

/**
 * Validates one object against its kind's schema: the Kubernetes OpenAPI schemas (kubernetes-models), KEDA's
 * and the Prometheus Operator's CRD schemas (@kubernetes-models/*), Strimzi's KafkaTopic (schemas/ here).
 * Returns the problems, none when valid.
 */
export async function schemaProblems(object: JsonObject): Promise<string[]> {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  if (apiVersion === 'kafka.strimzi.io/v1beta2' && kind === 'KafkaTopic') {
    return validateKafkaTopic(object)
      ? []
      : (validateKafkaTopic.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }
  const module = modelModule(apiVersion, kind);
  if (!module) return [`no schema for ${apiVersion} ${kind}: add one to test/deploy/schemas`];
  let Class: (new (data: unknown) => Model) | undefined;
  try {
    const loaded = (await import(module)) as Record<string, new (data: unknown) => Model>;
    Class = loaded[kind];
  } catch {
    Class = undefined;
  }
  if (!Class) return [`no model for ${apiVersion} ${kind} (${module})`];
  try {
    new Class(object).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Unknown fields, as `kubectl apply` (strict field validation) refuses them: the OpenAPI schemas above allow
 * any extra property, so every object is type-checked against the models' TypeScript interfaces, whose
 * excess-property check names each field that is not in the API. KafkaTopic is checked by its JSON schema.
 */
export function unknownFieldProblems(objects: readonly { label: string; object: JsonObject }[]): string[] {
  const imports = new Map<string, string>();
  const lines: string[] = [];
  objects.forEach(({ label, object }, i) => {
    const module = modelModule(String(object.apiVersion), String(object.kind));
    if (!module) return;
    const type = `T${imports.size}`;
    if (!imports.has(module)) imports.set(module, type);
    lines.push(
      `// ${label}`,
      `export const o${i} = ${JSON.stringify(object)} satisfies ${imports.get(module)};`,
    );
  });
  const header = [...imports].map(
    ([module, type]) => `import type { I${module.split('/').pop()} as ${type} } from '${module}';`,
  );
  const source = [...header, ...lines].join('\n');
  const fileName = join(ROOT, 'test/deploy/__manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, version, true)
      : getSourceFile(name, version, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const sourceLines = source.split('\n');
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${sourceLines[line - 1] ?? ''}: ${message.split('\n').pop() ?? message}`;
  });
}

// ---- Components ----

/** The components a skein container can run, by the first argument of `skein`. */
export const COMPONENTS: Record<string, ComponentDefinition<Schema>> = {
  agent: agentComponent as unknown as ComponentDefinition<Schema>,
  ingester: ingesterComponent as unknown as ComponentDefinition<Schema>,
  query: queryComponent as unknown as ComponentDefinition<Schema>,
};

/** The whole schema a component reads: its own keys over the common ones, as runComponent merges them. */
export function fullSchema(component: ComponentDefinition<Schema>): Schema {
  return { ...commonSchema, ...component.schema };
}

/** `skein es`'s schema: the same object `skein es` parses its options with. */
export async function esSchema(): Promise<Schema> {
  return (await import('@skein/cli')).esSchema;
}

/** Every environment variable that sets a key of the schema: SKEIN_<KEY> and the key's extra names. */
export function environmentNames(schema: Schema): Set<string> {
  return new Set(Object.entries(schema).flatMap(([key, field]) => [envName(key), ...field.env]));
}

export { loadConfig };

export interface MetricInfo {
  type: string;
  labels: Set<string>;
}

/**
 * Every metric the three components register, by exposed name (a histogram's _bucket, _sum and _count), built
 * as `skein <component>` builds them with default config, into fresh registries: nothing connects to Kafka or
 * Elasticsearch until start().
 */
export async function componentMetrics(): Promise<Map<string, MetricInfo>> {
  const out = new Map<string, MetricInfo>();
  for (const component of Object.values(COMPONENTS)) {
    const { config } = loadConfig(fullSchema(component), { argv: [], env: {} });
    const registry = createRegistry(component.name);
    await component.build({
      config: config as never,
      logger: createLogger({ level: 'error', write: () => undefined }),
      registry,
      args: [],
      healthChecks: new Map(),
      fail: () => undefined,
    });
    for (const metric of await registry.getMetricsAsJSON()) {
      const instance = registry.getSingleMetric(metric.name) as unknown as
        { labelNames?: string[] } | undefined;
      const labels = new Set([...(instance?.labelNames ?? []), 'component']);
      const type = String(metric.type);
      const names =
        type === 'histogram'
          ? [`${metric.name}_bucket`, `${metric.name}_sum`, `${metric.name}_count`]
          : type === 'summary'
            ? [metric.name, `${metric.name}_sum`, `${metric.name}_count`]
            : [metric.name];
      for (const name of names) {
        const known = out.get(name);
        const withLe = name.endsWith('_bucket') ? new Set([...labels, 'le']) : labels;
        if (known) for (const l of withLe) known.labels.add(l);
        else out.set(name, { type, labels: new Set(withLe) });
      }
    }
  }
  return out;
}

// ---- PromQL ----

/** Labels Prometheus attaches to every scraped series from the target (Prometheus Operator's pod monitors). */
export const TARGET_LABELS = new Set([
  'namespace',
  'pod',
  'container',
  'instance',
  'job',
  'endpoint',
  'node',
  'service',
]);

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

export interface Selector {
  metric: string;
  labels: string[];
}

export interface PromqlNames {
  selectors: Selector[];
  /** Labels named in by/without/on/ignoring/group_* lists. */
  grouping: string[];
}

/**
 * The metric names and label names a PromQL expression uses. Grafana's variables ($x, ${x}, [$__interval])
 * are accepted; strings and numbers are skipped.
 */
export function promqlNames(expr: string): PromqlNames {
  const selectors: Selector[] = [];
  const grouping: string[] = [];
  const s = expr;
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  const readMatchers = (): string[] => {
    // at '{'
    const labels: string[] = [];
    i++;
    for (;;) {
      skipSpace();
      if (s[i] === '}') {
        i++;
        return labels;
      }
      const m =
        /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/.exec(
          s.slice(i),
        );
      if (!m) throw new Error(`cannot read the label matchers of ${expr} at ${s.slice(i)}`);
      labels.push(m[1] as string);
      i += m[0].length;
    }
  };
  const readList = (): string[] => {
    skipSpace();
    if (s[i] !== '(') return [];
    const end = s.indexOf(')', i);
    const list = s
      .slice(i + 1, end)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    i = end + 1;
    return list;
  };
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const end = s.indexOf(c, i + 1);
      i = end < 0 ? s.length : end + 1;
      continue;
    }
    if (c === '[') {
      i = s.indexOf(']', i) + 1;
      continue;
    }
    if (c === '$') {
      const m = /^\$(\{[^}]*\}|\w+)/.exec(s.slice(i));
      i += m ? m[0].length : 1;
      continue;
    }
    if (c === '{') {
      // A selector without a metric name ({__name__=…}) is not used here.
      throw new Error(`a selector without a metric name in ${expr}`);
    }
    const num = /^(\d+(\.\d+)?(e[+-]?\d+)?|0x[0-9a-f]+)/i.exec(s.slice(i));
    if (num && !/[a-zA-Z_:]/.test(s[i - 1] ?? '')) {
      i += num[0].length;
      continue;
    }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s.slice(i));
    if (!id) {
      i++;
      continue;
    }
    const word = id[0];
    i += word.length;
    skipSpace();
    if (['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(word)) {
      grouping.push(...readList());
      continue;
    }
    if (KEYWORDS.has(word) || AGGREGATIONS.has(word)) continue;
    if (s[i] === '(') continue; // a function
    const labels = s[i] === '{' ? readMatchers() : [];
    selectors.push({ metric: word, labels });
  }
  return { selectors, grouping };
}
