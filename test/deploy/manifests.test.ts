// Every manifest under deploy/ parses and validates offline against the Kubernetes schemas (and the CRDs'),
// with no unknown field; the checked-in renderings are what scripts/render-deploy.ts renders today.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { renderTarget, renderedFile } from '../../scripts/render-deploy.js';
import {
  ROOT,
  TARGETS,
  deployYamlFiles,
  nameOf,
  readYamlObjects,
  rendered,
  schemaProblems,
  unknownFieldProblems,
  type JsonObject,
} from './support.js';

const KUSTOMIZE_KINDS = new Set(['Kustomization', 'Component']);
const label = (o: JsonObject): string => `${String(o.kind)} ${nameOf(o)}`;

describe('deploy manifests', () => {
  const files = deployYamlFiles();

  test('every YAML file under deploy/ parses, and each object has apiVersion, kind and a name', () => {
    assert.ok(files.length >= 15, `found only ${files.length} YAML files`);
    for (const file of files) {
      const objects = readYamlObjects(join(ROOT, file));
      assert.ok(objects.length > 0, `${file} holds no object`);
      for (const o of objects) {
        if (file.includes('/config/') || file.endsWith('agent-sidecar.yaml')) continue; // component config files
        assert.equal(typeof o.apiVersion, 'string', `${file}: apiVersion`);
        assert.equal(typeof o.kind, 'string', `${file}: kind`);
        if (!KUSTOMIZE_KINDS.has(String(o.kind)))
          assert.ok(nameOf(o), `${file}: ${String(o.kind)} has no name`);
      }
    }
  });

  test('every object in the source files validates against its schema', async () => {
    for (const file of files) {
      if (file.includes('/config/') || file.endsWith('agent-sidecar.yaml')) continue;
      for (const o of readYamlObjects(join(ROOT, file))) {
        if (KUSTOMIZE_KINDS.has(String(o.kind))) continue;
        assert.deepEqual(await schemaProblems(o), [], `${file}: ${label(o)}`);
      }
    }
  });

  for (const target of Object.keys(TARGETS)) {
    describe(`rendering ${target}`, () => {
      test('is checked in as scripts/render-deploy.ts renders it now', async () => {
        const checkedIn = readFileSync(renderedFile(target), 'utf8');
        assert.equal(
          checkedIn,
          await renderTarget(target),
          `deploy/kubernetes/rendered/${target}.yaml is out of date: node --import tsx scripts/render-deploy.ts`,
        );
      });

      test('every object validates against its schema', async () => {
        const resources = rendered(target);
        assert.ok(resources.length >= 10, `only ${resources.length} objects`);
        for (const r of resources) assert.deepEqual(await schemaProblems(r.object), [], label(r.object));
      });

      test('no object has a field the API does not define', () => {
        const problems = unknownFieldProblems(
          rendered(target).map((r) => ({ label: label(r.object), object: r.object })),
        );
        assert.deepEqual(problems, []);
      });

      test('every object is in the namespace observability, names are unique', () => {
        const seen = new Set<string>();
        for (const { object } of rendered(target)) {
          const id = `${String(object.kind)}/${nameOf(object)}`;
          assert.ok(!seen.has(id), `${id} twice`);
          seen.add(id);
          if (object.kind === 'Namespace') continue;
          assert.equal((object.metadata as JsonObject).namespace, 'observability', id);
        }
      });
    });
  }

  test('the validation refuses a wrong type, a missing field and an unknown field', async () => {
    const deployment = rendered('base').find((r) => r.object.kind === 'Deployment')?.object;
    assert.ok(deployment);
    const broken = structuredClone(deployment);
    const spec = broken.spec as JsonObject;
    delete spec.selector;
    spec.minReadySeconds = 'soon';
    assert.match((await schemaProblems(broken)).join(), /must have required property selector/);
    assert.match((await schemaProblems(broken)).join(), /minReadySeconds must be integer/);
    const typo = structuredClone(deployment);
    ((typo.spec as JsonObject).template as JsonObject).spec = {
      ...(((typo.spec as JsonObject).template as JsonObject).spec as JsonObject),
      terminationGracePeriod: 30,
    };
    const problems = unknownFieldProblems([{ label: 'typo', object: typo }]);
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /terminationGracePeriod/);
    const topic = rendered('base').find((r) => r.object.kind === 'KafkaTopic')?.object;
    assert.ok(topic);
    assert.deepEqual(await schemaProblems(topic), []);
    const badTopic = structuredClone(topic);
    (badTopic.spec as JsonObject).partitons = 3;
    assert.match((await schemaProblems(badTopic)).join(), /must NOT have additional properties/);
  });
});
