import { PRODUCT_LABELS } from './labels.js';
import { policySchema } from './schema.js';
import { GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './types.js';

export const CRD_NAME = `${PLURAL}.${GROUP}`;
export const CRD_FILE = `${GROUP}_${PLURAL}.yaml`;

/** The CustomResourceDefinition, built from the schema; `crds/` holds exactly this (a test checks). Pure. */
export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { ...PRODUCT_LABELS },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [SHORT_NAME],
        categories: ['modeswitch'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Model', type: 'string', jsonPath: '.spec.model' },
            { name: 'Default', type: 'string', jsonPath: '.spec.routing.defaultMode' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            {
              name: 'Valid',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="PolicyValid")].status',
              priority: 1,
            },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              description: 'Serves one model in several vLLM modes and routes each request to one of them.',
              ...policySchema,
            },
          },
        },
      ],
    },
  };
}
