import * as http from 'node:http';
import * as https from 'node:https';
import type { ClusterEndpoint } from './clusters';

/**
 * A minimal typed Kubernetes API client for the few endpoints k8s-rollout
 * uses (GET/PATCH one Deployment, LIST its ReplicaSets and Pods).
 * Why not @kubernetes/client-node: 2.x is ESM-only (cannot be required from
 * the CommonJS Lambda bundles and jest on Node 20) and ~69 MB installed for
 * four REST calls. Types below are the subset of the apps/v1 and core/v1
 * schemas we read.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface Deployment {
  metadata: ObjectMeta;
  spec: { replicas?: number; selector: { matchLabels?: Record<string, string> }; template: PodTemplateSpec; paused?: boolean };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface ReplicaSet {
  metadata: ObjectMeta;
  spec: { replicas?: number; template: PodTemplateSpec };
  status?: { replicas?: number; availableReplicas?: number };
}

export interface Pod {
  metadata: ObjectMeta;
  status?: { phase?: string; containerStatuses?: { name: string; ready: boolean; restartCount: number; state?: { waiting?: { reason?: string } } }[] };
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    message: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${message}`);
    this.name = 'KubeApiError';
  }
}

export type PatchType = 'strategic' | 'merge' | 'json';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

export interface KubeClientOptions {
  cluster: ClusterEndpoint;
  /** Bearer token source (EKS token); called per request so short tokens never go stale. */
  token: () => Promise<string>;
  timeoutMs?: number;
}

const seg = (s: string) => {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s) || s.length > 253) throw new Error(`${JSON.stringify(s)} is not a valid Kubernetes name`);
  return s;
};

export class KubeClient {
  constructor(private readonly o: KubeClientOptions) {}

  getDeployment(namespace: string, name: string): Promise<Deployment> {
    return this.call('GET', `/apis/apps/v1/namespaces/${seg(namespace)}/deployments/${seg(name)}`);
  }

  patchDeployment(namespace: string, name: string, patch: unknown, type: PatchType): Promise<Deployment> {
    return this.call('PATCH', `/apis/apps/v1/namespaces/${seg(namespace)}/deployments/${seg(name)}`, patch, PATCH_CONTENT_TYPE[type]);
  }

  async listReplicaSets(namespace: string, labelSelector: string): Promise<ReplicaSet[]> {
    const out = await this.call<{ items: ReplicaSet[] }>('GET', `/apis/apps/v1/namespaces/${seg(namespace)}/replicasets?labelSelector=${encodeURIComponent(labelSelector)}`);
    return out.items ?? [];
  }

  async listPods(namespace: string, labelSelector: string): Promise<Pod[]> {
    const out = await this.call<{ items: Pod[] }>('GET', `/api/v1/namespaces/${seg(namespace)}/pods?labelSelector=${encodeURIComponent(labelSelector)}`);
    return out.items ?? [];
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const base = new URL(this.o.cluster.endpoint);
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const token = await this.o.token();
    const mod = url.protocol === 'http:' ? http : https;
    if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new Error(`refusing plain http to ${url.hostname}: only the loopback test server may skip TLS`);
    }
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(payload ? { 'content-type': contentType!, 'content-length': String(payload.length) } : {}),
          },
          ...(this.o.cluster.certificateAuthority ? { ca: Buffer.from(this.o.cluster.certificateAuthority, 'base64').toString('utf8') } : {}),
          timeout: this.o.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let message = text.slice(0, 300);
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
              } catch {
                /* not a Status object */
              }
              return reject(new KubeApiError(status, method, url.pathname, message));
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch {
              reject(new KubeApiError(status, method, url.pathname, 'response is not JSON'));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }
}
