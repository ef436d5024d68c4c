import * as z from 'zod/mini';
import { ENV } from '../contracts/env';

/**
 * Where each protected cluster's API server is and how to trust it. infra/
 * resolves it at deploy time (aws.eks.getCluster: endpoint + CA) and hands it
 * to the k8s-rollout function as JSON in KUBE_CLUSTERS, so the function makes
 * no EKS API call and holds no kubeconfig: it authenticates with its own IAM
 * role (EKS token), which an EKS access entry maps to a namespaced identity.
 */
export const ClusterEndpoint = z.object({
  /** https://... (http:// only for the loopback test server). */
  endpoint: z.url(),
  /** Base64 PEM of the cluster CA (EKS certificateAuthority.data). */
  certificateAuthority: z.optional(z.string()),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/)),
});
export type ClusterEndpoint = z.infer<typeof ClusterEndpoint>;

export const ClusterMap = z.record(z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/)), ClusterEndpoint);
export type ClusterMap = z.infer<typeof ClusterMap>;

export function loadClusters(raw = process.env[ENV.kubeClusters]): ClusterMap {
  if (!raw) throw new Error(`${ENV.kubeClusters} is not set: the stack protects no Kubernetes cluster for this function`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${ENV.kubeClusters} is not JSON: ${(e as Error).message}`);
  }
  const parsed = ClusterMap.safeParse(json);
  if (!parsed.success) throw new Error(`${ENV.kubeClusters} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
