import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { toKubeApiError } from './errors.js';
import { buildEvent } from './event.js';
import {
  isNotFound,
  type ApplyOptions,
  type EventInput,
  type KubeClient,
  type KubeObject,
  type ListQuery,
  type ListResult,
  type ObjectRef,
} from './types.js';

/** client-node returns typed model instances (Dates for timestamps); the operator works on plain JSON. */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

function header(ref: ObjectRef): KubernetesObject & { metadata: { name: string; namespace: string } } {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace ?? '' } };
}

/** Exposes client-node's (cached) discovery lookup, which the status subresource and watches need. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): DiscoveringObjectApi {
    const api = kc.makeApiClient(DiscoveringObjectApi);
    api.setDefaultNamespace(kc);
    return api;
  }

  discover(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
}

/** The KubeClient port over @kubernetes/client-node. */
export class ClientNodeKubeClient implements KubeClient {
  private readonly objects: DiscoveringObjectApi;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.objects = DiscoveringObjectApi.forConfig(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return plain<T>(await this.objects.read(header(ref)));
    } catch (err) {
      const error = toKubeApiError(err, `get ${describe(ref)}`);
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<ListResult<T>> {
    try {
      const result = await this.objects.list(
        query.apiVersion,
        query.kind,
        query.namespace,
        undefined,
        undefined,
        undefined,
        query.fieldSelector,
        query.labelSelector,
      );
      const list = plain<{ items: T[]; metadata?: { resourceVersion?: string } }>(result);
      // List items carry no apiVersion/kind on the wire; put them back so every object is self-describing.
      const items = list.items.map((item) => ({ ...item, apiVersion: query.apiVersion, kind: query.kind }));
      return { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    } catch (err) {
      throw toKubeApiError(err, `list ${query.kind}`);
    }
  }

  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    try {
      const body = plain<KubernetesObject>(obj);
      return plain<T>(
        await this.objects.patch(
          body,
          undefined,
          undefined,
          options.fieldManager,
          options.force,
          PatchStrategy.ServerSideApply,
        ),
      );
    } catch (err) {
      throw toKubeApiError(err, `apply ${describe({ ...obj, ...obj.metadata })}`);
    }
  }

  async patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T> {
    try {
      const resource = await this.objects.discover(ref.apiVersion, ref.kind);
      if (!resource) throw new Error(`the API server does not serve ${ref.apiVersion} ${ref.kind}`);
      const [group, version] = ref.apiVersion.split('/') as [string, string];
      // The generated client sends JSON patch unless told otherwise; status is a merge patch.
      const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      const result = await this.custom.patchNamespacedCustomObjectStatus(
        {
          group,
          version,
          namespace: ref.namespace ?? 'default',
          plural: resource.name,
          name: ref.name,
          body: { status },
        },
        options,
      );
      return plain<T>(result);
    } catch (err) {
      throw toKubeApiError(err, `patch status of ${describe(ref)}`);
    }
  }

  async create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    try {
      return plain<T>(await this.objects.create(plain<KubernetesObject>(obj)));
    } catch (err) {
      throw toKubeApiError(err, `create ${describe({ ...obj, ...obj.metadata })}`);
    }
  }

  async replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T> {
    try {
      return plain<T>(await this.objects.replace(plain<KubernetesObject>(obj)));
    } catch (err) {
      throw toKubeApiError(err, `replace ${describe({ ...obj, ...obj.metadata })}`);
    }
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.objects.delete(header(ref), undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (err) {
      const error = toKubeApiError(err, `delete ${describe(ref)}`);
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async createEvent(event: EventInput): Promise<void> {
    await this.create(buildEvent(event, new Date()));
  }

  /** Plural name and scope of a kind, from API discovery (cached by client-node). */
  async resourceOf(apiVersion: string, kind: string): Promise<{ plural: string; namespaced: boolean }> {
    try {
      const resource = await this.objects.discover(apiVersion, kind);
      if (!resource) throw new Error(`the API server does not serve ${apiVersion} ${kind}`);
      return { plural: resource.name, namespaced: resource.namespaced };
    } catch (err) {
      throw toKubeApiError(err, `discover ${apiVersion} ${kind}`);
    }
  }
}
