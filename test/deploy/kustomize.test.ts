// scripts/deploy/kustomize.ts renders as kubectl kustomize does for the features it supports, and refuses
// the ones it does not.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  applyJson6902,
  configMapHash,
  renderKustomization,
  strategicMerge,
  type JsonObject,
} from '../../scripts/deploy/kustomize.js';

const work = mkdtempSync(join(tmpdir(), 'skein-kustomize-'));
after(() => rmSync(work, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string>): string {
  const root = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: { app: app }
  template:
    metadata:
      labels: { app: app }
    spec:
      containers:
        - name: app
          image: skein
          env:
            - { name: A, value: '1' }
            - { name: B, value: '2' }
          volumeMounts:
            - { name: config, mountPath: /etc/app }
      volumes:
        - name: config
          configMap:
            name: app-config
`;

describe('kustomize rendering', () => {
  test("ConfigMap name hashes are kustomize's (the Kubernetes documentation's examples)", () => {
    assert.equal(
      configMapHash('example-configmap-1', { 'application.properties': 'FOO=Bar\n' }),
      '8mbdf7882g',
    );
    assert.equal(configMapHash('example-configmap-2', { FOO: 'Bar' }), 'g2hdhfc6tk');
  });

  test('an overlay: generators, hashed names and references, namespace, labels, images, patches, order', () => {
    const root = tree('overlay', {
      'base/kustomization.yaml': `namespace: ns
labels:
  - pairs: { part-of: skein }
    includeTemplates: true
resources: [deployment.yaml]
configMapGenerator:
  - name: app-config
    files: [app.yaml]
  - name: plain
    literals: [k=v]
    options: { disableNameSuffixHash: true }
`,
      'base/deployment.yaml': deployment,
      'base/app.yaml': 'a: 1\n',
      'overlay/kustomization.yaml': `resources: [../base, service.yaml]
images:
  - { name: skein, newName: registry.example/skein, newTag: '1.2' }
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: app }
      spec:
        template:
          spec:
            containers:
              - name: app
                env:
                  - { name: B, value: '3' }
                  - { name: A, $patch: delete }
  - target: { kind: Service, name: svc }
    patch: |-
      - { op: replace, path: /spec/ports/0/port, value: 81 }
`,
      'overlay/service.yaml': `apiVersion: v1
kind: Service
metadata: { name: svc }
spec:
  ports: [{ port: 80 }]
`,
    });
    const out = renderKustomization(join(root, 'overlay')).map((r) => r.object);
    assert.deepEqual(
      out.map((o) => `${String(o.kind)}/${(o.metadata as JsonObject).name as string}`),
      [
        `ConfigMap/app-config-${configMapHash('app-config', { 'app.yaml': 'a: 1\n' })}`,
        'ConfigMap/plain',
        'Service/svc',
        'Deployment/app',
      ],
    );
    const d = out[3] as JsonObject;
    const spec = ((d.spec as JsonObject).template as JsonObject).spec as JsonObject;
    const container = (spec.containers as JsonObject[])[0] as JsonObject;
    assert.equal(container.image, 'registry.example/skein:1.2');
    assert.deepEqual(container.env, [{ name: 'B', value: '3' }]);
    assert.equal(
      ((spec.volumes as JsonObject[])[0]?.configMap as JsonObject).name,
      (out[0]?.metadata as JsonObject).name,
    );
    assert.deepEqual((d.metadata as JsonObject).labels, { 'part-of': 'skein' });
    assert.deepEqual((((d.spec as JsonObject).template as JsonObject).metadata as JsonObject).labels, {
      app: 'app',
      'part-of': 'skein',
    });
    assert.deepEqual(
      ((d.spec as JsonObject).selector as JsonObject).matchLabels,
      { app: 'app' },
      'selectors untouched',
    );
    assert.equal((d.metadata as JsonObject).namespace, 'ns');
    assert.equal(
      (out[2]?.metadata as JsonObject).namespace,
      undefined,
      "the overlay's own resources: no namespace",
    );
    assert.equal((((out[2] as JsonObject).spec as JsonObject).ports as JsonObject[])[0]?.port, 81);
  });

  test('a component deletes and adds on top of what its parent has', () => {
    const root = tree('component', {
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': deployment,
      'comp/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources: [cm.yaml]
patches:
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: { name: app }
      $patch: delete
`,
      'comp/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: added }\n',
      'top/kustomization.yaml': 'resources: [../base]\ncomponents: [../comp]\n',
    });
    assert.deepEqual(
      renderKustomization(join(root, 'top')).map((r) => (r.object.metadata as JsonObject).name),
      ['added'],
    );
  });

  test('refuses what it does not implement, and files outside the kustomization', () => {
    const root = tree('refuse', {
      'a/kustomization.yaml': 'resources: [d.yaml]\nreplicas: [{ name: app, count: 2 }]\n',
      'a/d.yaml': deployment,
      'b/kustomization.yaml': 'resources: [../a/d.yaml]\n',
      'c/kustomization.yaml':
        'resources: [d.yaml]\npatches: [{ patch: "kind: Service\\nmetadata: { name: none }" }]\n',
      'c/d.yaml': deployment,
    });
    assert.throws(() => renderKustomization(join(root, 'a')), /"replicas" is not supported/);
    assert.throws(() => renderKustomization(join(root, 'b')), /outside the kustomization's directory/);
    assert.throws(() => renderKustomization(join(root, 'c')), /matches no resource/);
  });

  test('strategic merge: maps merge, null deletes, keyed lists merge by key, other lists are replaced', () => {
    assert.deepEqual(
      strategicMerge(
        { a: 1, b: { c: 2, d: 3 }, ports: [{ containerPort: 80, name: 'x' }], args: ['x', 'y'] },
        {
          b: { d: null, e: 4 },
          ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81 }],
          args: ['z'],
        },
        '',
      ),
      {
        a: 1,
        b: { c: 2, e: 4 },
        ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81 }],
        args: ['z'],
      },
    );
  });

  test('JSON 6902: add, replace, remove, test', () => {
    const out = applyJson6902(
      { spec: { list: [1, 2], keep: true, drop: 1 } },
      [
        { op: 'add', path: '/spec/list/-', value: 3 },
        { op: 'replace', path: '/spec/keep', value: false },
        { op: 'remove', path: '/spec/drop' },
        { op: 'test', path: '/spec/list/0', value: 1 },
        { op: 'add', path: '/spec/a~1b', value: 'x' },
      ],
      'test',
    );
    assert.deepEqual(out, { spec: { list: [1, 2, 3], keep: false, 'a/b': 'x' } });
    assert.throws(
      () => applyJson6902({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }], 'here'),
      /test \/a failed/,
    );
  });
});
