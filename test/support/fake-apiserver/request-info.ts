/** What a request URL addresses, parsed the way the API server's request-info resolver does. */
export type RequestTarget =
  | { type: 'discovery'; path: string }
  | {
      type: 'resource';
      group: string;
      version: string;
      /** Undefined for cluster-scoped paths and for lists across all namespaces. */
      namespace: string | undefined;
      plural: string;
      name: string | undefined;
      subresource: string | undefined;
    };

export function parseRequestPath(pathname: string): RequestTarget {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] ?? '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    version = parts[2] ?? '';
    rest = parts.slice(3);
  } else return { type: 'discovery', path: `/${parts.join('/')}` };

  // namespaces/<ns>/<plural>/... addresses objects in a namespace; namespaces/<name>[/status] the Namespace itself.
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && ['status', 'finalize'].includes(rest[2] ?? ''))
  ) {
    return {
      type: 'resource',
      group,
      version,
      namespace: rest[1],
      plural: rest[2] ?? '',
      name: rest[3],
      subresource: rest[4],
    };
  }
  return {
    type: 'resource',
    group,
    version,
    namespace: undefined,
    plural: rest[0] ?? '',
    name: rest[1],
    subresource: rest[2],
  };
}
