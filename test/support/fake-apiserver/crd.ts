import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ApiResource, PrinterColumn, SchemaProps } from './resources.js';
import { isPlainObject, type KubeObject } from './types.js';

interface CrdVersion {
  name: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: SchemaProps };
  subresources?: { status?: object };
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: {
    kind: string;
    plural: string;
    singular?: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  versions: CrdVersion[];
}

/** The resources a CustomResourceDefinition serves, one per served version. */
export function resourcesOfCrd(crd: KubeObject): ApiResource[] {
  const spec = crd['spec'] as CrdSpec | undefined;
  if (!spec?.group || !spec.names?.kind || !spec.names.plural || !Array.isArray(spec.versions)) {
    throw new Error(
      `CustomResourceDefinition ${crd.metadata.name ?? '?'} lacks spec.group, spec.names or spec.versions`,
    );
  }
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      statusSubresource: v.subresources?.status !== undefined,
      hasGeneration: true,
      ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
      ...(v.additionalPrinterColumns ? { printerColumns: v.additionalPrinterColumns } : {}),
    }));
}

/** The status the apiextensions server reports once a CRD's names are accepted and it serves. */
export function establishedCrdStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = crd['spec'] as CrdSpec;
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: spec.names,
    storedVersions: spec.versions.filter((v) => (v as { storage?: boolean }).storage).map((v) => v.name),
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
  };
}

/** Every CustomResourceDefinition in the *.yaml / *.yml files of a folder (multi-document files allowed). */
export function readCrdFiles(dir: string): KubeObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const crds: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${join(dir, file)}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      const value: unknown = doc.toJSON();
      if (isPlainObject(value) && value['kind'] === 'CustomResourceDefinition') crds.push(value as KubeObject);
    }
  }
  return crds;
}
