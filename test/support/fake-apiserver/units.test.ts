import { applyConfiguration } from './apply.js';
import { EventLog } from './event-log.js';
import { decodeFieldsV1, encodeFieldsV1 } from './field-set.js';
import { jsonPatch, mergePatch } from './patch.js';
import type { ApiResource } from './resources.js';
import { matchesLabels, parseLabelSelector } from './selectors.js';
import type { StoreEvent } from './store.js';
import { evaluateJsonPath } from './table.js';
import type { KubeObject } from './types.js';

describe('label selectors', () => {
  it('parses every operator kubectl and client-node send', () => {
    const selector = parseLabelSelector('app=web,tier!=db,env in (prod, staging),zone notin (a),gpu,!spot');
    expect(matchesLabels(selector, { app: 'web', tier: 'cache', env: 'prod', zone: 'b', gpu: '' })).toBe(true);
    expect(matchesLabels(selector, { app: 'web', env: 'prod', gpu: '', spot: 'x' })).toBe(false);
    expect(matchesLabels(selector, { app: 'web', env: 'dev', gpu: '' })).toBe(false);
  });

  it('rejects what it cannot read with a 400', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('patches', () => {
  it('merge patch merges maps, deletes on null and replaces lists', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({
      a: { c: 2, d: 3 },
      l: [3],
    });
  });

  it('json patch applies operations in order and fails a test op with 422', () => {
    const doc = { spec: { list: ['a'], n: 1 } };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/spec/list/-', value: 'b' },
        { op: 'remove', path: '/spec/n' },
        { op: 'copy', from: '/spec/list', path: '/copy' },
      ]),
    ).toEqual({
      spec: { list: ['a', 'b'] },
      copy: ['a', 'b'],
    });
    expect(doc.spec.n).toBe(1);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/spec/n', value: 2 }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
  });
});

describe('managed fields', () => {
  it('round-trips fieldsV1 with "." on members that have owned children', () => {
    const encoded = encodeFieldsV1([
      'f:spec\u0001f:modes\u0001k:{"name":"a"}',
      'f:spec\u0001f:modes\u0001k:{"name":"a"}\u0001f:name',
      'f:data\u0001f:x',
    ]);
    expect(encoded).toEqual({
      'f:spec': { 'f:modes': { 'k:{"name":"a"}': { '.': {}, 'f:name': {} } } },
      'f:data': { 'f:x': {} },
    });
    expect([...decodeFieldsV1(encoded)].sort()).toEqual([
      'f:data\u0001f:x',
      'f:spec\u0001f:modes\u0001k:{"name":"a"}',
      'f:spec\u0001f:modes\u0001k:{"name":"a"}\u0001f:name',
    ]);
  });

  it('merges keyed list items and drops an item its applier stopped applying', () => {
    const resource: ApiResource = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      plural: 'deployments',
      singular: 'deployment',
      listKind: 'DeploymentList',
      namespaced: true,
      shortNames: [],
      categories: [],
      statusSubresource: true,
      hasGeneration: true,
    };
    const deployment = (containers: object[]): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'n' },
      spec: { template: { spec: { containers } } },
    });
    const apply = (live: KubeObject | undefined, config: KubeObject, manager: string) =>
      applyConfiguration({
        resource,
        live,
        config,
        manager,
        force: false,
        subresource: undefined,
        time: '2025-01-01T00:00:00Z',
      });
    const first = apply(
      undefined,
      deployment([
        { name: 'app', image: 'a:1' },
        { name: 'sidecar', image: 's:1' },
      ]),
      'operator',
    );
    const injected = apply(first, deployment([{ name: 'mesh', image: 'm:1' }]), 'mesh-injector');
    const second = apply(injected, deployment([{ name: 'app', image: 'a:2' }]), 'operator');
    expect((second['spec'] as { template: { spec: { containers: object[] } } }).template.spec.containers).toEqual([
      { name: 'app', image: 'a:2' },
      { name: 'mesh', image: 'm:1' },
    ]);
  });
});

describe('event log', () => {
  const event = (rv: number): StoreEvent =>
    ({
      type: 'ADDED',
      resourceVersion: rv,
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
    }) as StoreEvent;

  it('replays events after a version and expires versions older than its window', () => {
    const log = new EventLog(2);
    for (const rv of [2, 3, 4, 5, 6]) log.append(event(rv));
    expect(log.since(4)).toEqual([event(5), event(6)]);
    expect(log.since(2)).toBe('expired');
    log.compact(6);
    expect(log.since(5)).toBe('expired');
    expect(log.since(6)).toEqual([]);
  });
});

describe('printer column JSONPath', () => {
  it('reads fields, indexes and equality filters', () => {
    const object = {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Degraded', status: 'False' },
        ],
      },
      spec: { modes: [{ name: 'a' }, { name: 'b' }] },
    };
    expect(evaluateJsonPath(object, '.status.conditions[?(@.type=="Ready")].status')).toBe('True');
    expect(evaluateJsonPath(object, '.spec.modes[1].name')).toBe('b');
    expect(evaluateJsonPath(object, '.spec.modes[*].name')).toBe('a,b');
    expect(evaluateJsonPath(object, '.spec.missing')).toBeUndefined();
  });
});
