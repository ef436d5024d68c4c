import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

/**
 * What the remediation identity may do in the Deployment's namespace, and
 * nothing more: get + patch that one Deployment (resourceNames), read
 * ReplicaSets (to find the previous revision) and Pods (evidence). list
 * cannot be narrowed by name in RBAC, so those two are read-only.
 */
export const REMEDIATION_RULES = (deployment: string) => [
  { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [deployment], verbs: ['get', 'patch'] },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
];

export function remediationRbac(
  name: string,
  args: { namespace: string; deployment: string; userName: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
) {
  const meta = { name, namespace: args.namespace, labels: { 'app.kubernetes.io/managed-by': 'recovery-stack' } };
  const role = new k8s.rbac.v1.Role(name, { metadata: meta, rules: REMEDIATION_RULES(args.deployment) }, opts);
  const binding = new k8s.rbac.v1.RoleBinding(
    name,
    {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      // The EKS access entry maps the function's IAM role to this user name.
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: args.userName }],
    },
    { ...opts, dependsOn: [role] },
  );
  return { role, binding };
}
