import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { renderPolicy, type KubeObject } from '../../../src/operator/render/index.js';
import { speculativeConfigJson } from '../../../src/api/v1alpha1/vllm-flags.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { clone, loadExample } from '../../support/policies.js';

const stored: InferenceModePolicy = {
  ...loadExample(),
  metadata: { name: 'llama-8b', namespace: 'llm', uid: 'uid-1' },
};

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const obj = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`no ${kind} ${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return obj;
}

function container(deployment: KubeObject) {
  return (deployment as any).spec.template.spec.containers[0];
}

describe('renderPolicy', () => {
  const objects = renderPolicy(stored);

  it('renders a Deployment and a Service per mode plus the router objects', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Service/llama-8b-fp16',
      'Deployment/llama-8b-fp16',
      'Service/llama-8b-fp8',
      'Deployment/llama-8b-fp8',
      'Service/llama-8b-int4',
      'Deployment/llama-8b-int4',
      'Service/llama-8b-spec',
      'Deployment/llama-8b-spec',
      'ServiceAccount/llama-8b-router',
      'Role/llama-8b-router',
      'RoleBinding/llama-8b-router',
      'ConfigMap/llama-8b-router',
      'Service/llama-8b-router',
      'Deployment/llama-8b-router',
    ]);
  });

  it('produces objects valid against the Kubernetes schemas', () => {
    const models: Record<string, new (o: any) => { validate(): void }> = {
      Deployment,
      Service,
      ServiceAccount,
      ConfigMap,
      Role,
      RoleBinding,
    };
    for (const o of objects) expect(() => new models[o.kind]!(o).validate()).not.toThrow();
  });

  it('owns every object through the policy and labels it for the operator', () => {
    for (const o of objects) {
      expect(o.metadata.namespace).toBe('llm');
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'modeswitch.io/v1alpha1',
          kind: 'InferenceModePolicy',
          name: 'llama-8b',
          uid: 'uid-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'modeswitch',
        'modeswitch.io/policy': 'llama-8b',
      });
    }
    expect(find(objects, 'Deployment', 'llama-8b-fp8').metadata.labels?.['modeswitch.io/mode']).toBe('fp8');
  });

  it("passes each mode's flags to vLLM", () => {
    const args = (mode: string) => container(find(objects, 'Deployment', `llama-8b-${mode}`)).args as string[];
    expect(args('fp16').slice(0, 3)).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
      '--served-model-name',
      'meta-llama/Llama-3.1-8B-Instruct',
    ]);
    expect(args('fp16')).toEqual(expect.arrayContaining(['--dtype', 'float16', '--no-enable-prefix-caching']));
    expect(args('fp8').join(' ')).toContain('--quantization fp8 --kv-cache-dtype fp8');
    expect(args('int4')[0]).toBe('hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4');
    expect(args('int4')).toEqual(expect.arrayContaining(['--quantization', 'awq_marlin', '--enable-prefix-caching']));
    const spec = args('spec');
    expect(JSON.parse(spec[spec.indexOf('--speculative-config') + 1]!)).toEqual({
      method: 'eagle3',
      model: 'yuhuili/EAGLE3-LLaMA3.1-Instruct-8B',
      num_speculative_tokens: 3,
    });
    expect(args('fp16')).toEqual(
      expect.arrayContaining(['--max-model-len', '16384', '--gpu-memory-utilization', '0.9']),
    );
  });

  it('schedules mode pods on GPUs the NVIDIA device plugin way', () => {
    const d = find(objects, 'Deployment', 'llama-8b-fp16') as any;
    const pod = d.spec.template.spec;
    expect(container(d).resources.limits).toEqual({ 'nvidia.com/gpu': '1' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(pod.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '4Gi' } });
    // No spare GPU is needed to roll out a change.
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(container(d).startupProbe).toMatchObject({
      httpGet: { path: '/health' },
      periodSeconds: 10,
      failureThreshold: 180,
    });
    expect(container(d).env).toContainEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } },
    });
    // Non-root without a passwd entry: caches go to writable volumes and getpass.getuser() finds USER.
    expect(container(d).env).toEqual(
      expect.arrayContaining([
        { name: 'USER', value: 'vllm' },
        { name: 'HOME', value: '/tmp/home' },
        { name: 'TORCHINDUCTOR_CACHE_DIR', value: '/tmp/cache/inductor' },
      ]),
    );
  });

  it('requests MIG slices, runtime class and tensor parallelism when asked', () => {
    const p = clone(stored);
    p.spec.engine = { ...p.spec.engine, gpuResource: 'nvidia.com/mig-3g.40gb', runtimeClassName: 'nvidia' };
    p.spec.modes[0]!.gpus = 2;
    const d = find(renderPolicy(p), 'Deployment', 'llama-8b-fp16') as any;
    expect(container(d).resources.limits).toEqual({ 'nvidia.com/mig-3g.40gb': '2' });
    expect(d.spec.template.spec.runtimeClassName).toBe('nvidia');
    expect(container(d).args.join(' ')).toContain('--tensor-parallel-size 2');
  });

  it('runs every container non-root with a read-only root filesystem', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment') as any[]) {
      expect(d.spec.template.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container(d).securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('gives the router only read access to its policy and endpoint slices', () => {
    const role = find(objects, 'Role', 'llama-8b-router') as any;
    expect(role.rules).toEqual([
      {
        apiGroups: ['modeswitch.io'],
        resources: ['inferencemodepolicies'],
        resourceNames: ['llama-8b'],
        verbs: ['get', 'list', 'watch'],
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('configures the router and rolls it when its config changes', () => {
    const config = parse((find(objects, 'ConfigMap', 'llama-8b-router') as any).data['router.yaml']);
    expect(config).toMatchObject({
      policyRef: { namespace: 'llm', name: 'llama-8b' },
      listen: { grpcPort: 9000, httpPort: 8080, metricsPort: 9090 },
      telemetry: { dcgmUrls: ['http://nvidia-dcgm-exporter.gpu-operator.svc:9400/metrics'], intervalMs: 1000 },
    });
    const hash = (o: KubeObject[]) =>
      (find(o, 'Deployment', 'llama-8b-router') as any).spec.template.metadata.annotations['modeswitch.io/config-hash'];
    const changed = clone(stored);
    changed.spec.telemetry = { interval: '2s' };
    expect(hash(renderPolicy(changed))).not.toBe(hash(objects));
    expect(hash(renderPolicy(clone(stored)))).toBe(hash(objects));
  });

  it('mounts the TLS secret and asks for client certificates when configured', () => {
    const p = clone(stored);
    p.spec.router = { tls: { secretName: 'router-tls', requireClientCertificate: true } };
    const out = renderPolicy(p);
    expect(parse((find(out, 'ConfigMap', 'llama-8b-router') as any).data['router.yaml']).tls).toEqual({
      certFile: '/etc/modeswitch/tls/tls.crt',
      keyFile: '/etc/modeswitch/tls/tls.key',
      caFile: '/etc/modeswitch/tls/ca.crt',
      requireClientCertificate: true,
    });
    expect((find(out, 'Deployment', 'llama-8b-router') as any).spec.template.spec.volumes).toContainEqual({
      name: 'tls',
      secret: { secretName: 'router-tls' },
    });
  });

  it('gives the engines an API key from a Secret and the router the same key as the file its config names', () => {
    const p = clone(stored);
    p.spec.engine = { ...p.spec.engine, apiKeySecret: { name: 'engine-key' } };
    const out = renderPolicy(p);
    for (const mode of ['fp16', 'fp8', 'spec']) {
      expect(container(find(out, 'Deployment', `llama-8b-${mode}`)).env).toContainEqual({
        name: 'VLLM_API_KEY',
        valueFrom: { secretKeyRef: { name: 'engine-key', key: 'api-key' } },
      });
    }
    const router = find(out, 'Deployment', 'llama-8b-router') as any;
    const file = parse((find(out, 'ConfigMap', 'llama-8b-router') as any).data['router.yaml'])
      .upstreamApiKeyFile as string;
    const volume = router.spec.template.spec.volumes.find((v: any) => v.secret?.secretName === 'engine-key');
    const mount = container(router).volumeMounts.find((m: any) => m.name === volume.name);
    // The file the router reads is the Secret's key, projected into the mount.
    expect(file).toBe(`${mount.mountPath}/${volume.secret.items[0].path}`);
    expect(volume.secret.items[0].key).toBe('api-key');
    expect(mount.readOnly).toBe(true);
    expect(
      parse((find(objects, 'ConfigMap', 'llama-8b-router') as any).data['router.yaml']).upstreamApiKeyFile,
    ).toBeUndefined();
  });

  it("runs the router in the operator's own image unless the policy names one", () => {
    const routerImage = (policy: InferenceModePolicy, defaults?: { routerImage?: string }) =>
      container(find(renderPolicy(policy, defaults), 'Deployment', 'llama-8b-router')).image;
    const unnamed = clone(stored);
    delete unnamed.spec.router?.image;
    expect(routerImage(unnamed, { routerImage: 'registry.example.com/ml/modeswitch:dev' })).toBe(
      'registry.example.com/ml/modeswitch:dev',
    );
    expect(routerImage(unnamed)).toBe('ghcr.io/modeswitch/modeswitch:0.1.0');
    const named = clone(stored);
    named.spec.router = { ...named.spec.router, image: 'registry.example.com/ml/router:pinned' };
    expect(routerImage(named, { routerImage: 'registry.example.com/ml/modeswitch:dev' })).toBe(
      'registry.example.com/ml/router:pinned',
    );
  });

  it('is pure: rendering twice gives equal objects, and the input is not changed', () => {
    const input = clone(stored);
    const before = JSON.stringify(input);
    expect(renderPolicy(input)).toEqual(renderPolicy(input));
    expect(JSON.stringify(input)).toBe(before);
  });

  it("writes speculative settings in vLLM snake_case, in one order whatever the policy's (so pods do not roll)", () => {
    expect(
      speculativeConfigJson({ draftTensorParallelSize: 1, model: 'm', numSpeculativeTokens: 3, method: 'eagle3' }),
    ).toBe('{"method":"eagle3","num_speculative_tokens":3,"model":"m","draft_tensor_parallel_size":1}');
    expect(
      JSON.parse(
        speculativeConfigJson({ method: 'ngram', numSpeculativeTokens: 4, promptLookupMax: 4, promptLookupMin: 2 }),
      ),
    ).toEqual({
      method: 'ngram',
      num_speculative_tokens: 4,
      prompt_lookup_max: 4,
      prompt_lookup_min: 2,
    });
    const schedule: [number, number, number][] = [
      [1, 32, 7],
      [33, 256, 2],
    ];
    expect(
      JSON.parse(
        speculativeConfigJson({
          method: 'dspark',
          model: 'm',
          numSpeculativeTokens: 7,
          numSpeculativeTokensPerBatchSize: schedule,
          enableAdaptiveVerification: true,
        }),
      ),
    ).toEqual({
      method: 'dspark',
      model: 'm',
      num_speculative_tokens: 7,
      num_speculative_tokens_per_batch_size: schedule,
      enable_adaptive_verification: true,
    });
  });
});
