/**
 * How a protected Deployment is named across the stack (ResourceRef id,
 * ledger keys, alarm-like fault names): `<cluster>/<namespace>/<name>`.
 */
export interface DeploymentRef {
  cluster: string;
  namespace: string;
  name: string;
}

const CLUSTER = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function deploymentId(r: DeploymentRef): string {
  return `${r.cluster}/${r.namespace}/${r.name}`;
}

export function parseDeploymentRef(id: string): DeploymentRef {
  const parts = id.split('/');
  if (parts.length !== 3) throw new Error(`deployment id ${JSON.stringify(id)} must be <cluster>/<namespace>/<name>`);
  const [cluster, namespace, name] = parts;
  if (!CLUSTER.test(cluster)) throw new Error(`cluster ${JSON.stringify(cluster)} is not a valid EKS cluster name`);
  if (!DNS_LABEL.test(namespace)) throw new Error(`namespace ${JSON.stringify(namespace)} is not a valid Kubernetes namespace`);
  if (!DNS_SUBDOMAIN.test(name)) throw new Error(`deployment name ${JSON.stringify(name)} is not a valid Kubernetes name`);
  return { cluster, namespace, name };
}
