/** One thing wrong (or unchecked) in a policy, at a field path as Kubernetes prints it: `spec.modes[1].name`. */
export interface Problem {
  path: string;
  message: string;
}
