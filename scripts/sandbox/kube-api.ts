import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deployment, PodTemplateSpec, ReplicaSet } from '../../functions/kubernetes/client';
import { decodeEksToken } from '../../functions/kubernetes/eks-token';

/**
 * A stand-in for the few Kubernetes API endpoints k8s-rollout uses. No API
 * server (kind, k3s, envtest) is available on these machines, so this serves
 * GET/PATCH of Deployments and LIST of ReplicaSets and Pods over loopback HTTP,
 * and plays the deployment controller's part just enough: a template change
 * bumps generation and creates (or re-uses, as the controller does) the
 * ReplicaSet with the next revision, then reports the rollout complete after
 * `rolloutAfterReads` GETs, or stuck (ProgressDeadlineExceeded).
 * It checks what a real cluster would: the bearer must be an EKS token for
 * this cluster (presigned STS GetCallerIdentity with x-k8s-aws-id signed), and
 * requests outside the RBAC Role (other deployments, verbs, resources) get 403.
 */
export interface KubeApiOptions {
  clusterName: string;
  /** The Role's scope: the only deployment (namespace/name) that may be patched. */
  allow: { namespace: string; deployment: string };
  /** GETs of a deployment after a template change before its rollout reports complete (default 1). */
  rolloutAfterReads?: number;
  /** Rollouts never finish: Progressing=False, ProgressDeadlineExceeded. */
  stuck?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: unknown;
  status: number;
}

export interface KubeApi {
  endpoint: string;
  requests: RecordedRequest[];
  deployments: Map<string, Deployment>;
  replicaSets: Map<string, ReplicaSet>;
  /** A Deployment whose history has one ReplicaSet per image (the last is current). */
  seed(o: { namespace: string; name: string; images: string[]; replicas?: number }): Deployment;
  setStuck(stuck: boolean): void;
  close(): Promise<void>;
}

const REVISION = 'deployment.kubernetes.io/revision';
const clone = <T>(v: T): T => structuredClone(v);
const stripHash = (t: PodTemplateSpec): PodTemplateSpec => {
  const c = clone(t);
  if (c.metadata?.labels) delete c.metadata.labels['pod-template-hash'];
  return c;
};
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
const hashOf = (t: PodTemplateSpec) => createHash('sha256').update(canonical(stripHash(t))).digest('hex').slice(0, 10);

/** Strategic merge for what the action sends (maps merge, everything else replaces). */
function mergeInto(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof target[k] === 'object' && target[k] !== null && !Array.isArray(target[k])) {
      mergeInto(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else target[k] = clone(v);
  }
}

function applyJsonPatch(doc: Record<string, unknown>, ops: { op: string; path: string; value?: unknown }[]): string | undefined {
  for (const o of ops) {
    const keys = o.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent: Record<string, unknown> = doc;
    for (const k of keys) parent = parent[k] as Record<string, unknown>;
    if (o.op === 'test') {
      if (canonical(parent?.[last]) !== canonical(o.value)) return `test operation on ${o.path} failed`;
    } else if (o.op === 'replace' || o.op === 'add') parent[last] = clone(o.value);
    else return `unsupported op ${o.op}`;
  }
  return undefined;
}

export async function startKubeApi(o: KubeApiOptions): Promise<KubeApi> {
  const deployments = new Map<string, Deployment>();
  const replicaSets = new Map<string, ReplicaSet>();
  const pending = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let stuck = o.stuck ?? false;
  let rv = 100;
  const key = (ns: string, n: string) => `${ns}/${n}`;

  /** The controller's reaction to a (possibly) new template. */
  function reconcile(d: Deployment): void {
    const ns = d.metadata.namespace!;
    const hash = hashOf(d.spec.template);
    const owned = [...replicaSets.values()].filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid);
    const maxRev = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    let rs = owned.find((r) => hashOf(r.spec.template) === hash);
    const current = Number(d.metadata.annotations?.[REVISION] ?? 0);
    if (rs && Number(rs.metadata.annotations![REVISION]) === current) return; // same template: nothing to roll
    if (!rs) {
      const labels = { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
      rs = {
        metadata: { name: `${d.metadata.name}-${hash}`, namespace: ns, uid: `rs-${hash}`, labels, annotations: {}, ownerReferences: [{ kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid!, controller: true }] },
        spec: { replicas: 0, template: { ...clone(d.spec.template), metadata: { ...clone(d.spec.template.metadata ?? {}), labels } } },
      };
      replicaSets.set(key(ns, rs.metadata.name), rs);
    }
    // As the controller: the re-used or new ReplicaSet gets the next revision.
    rs.metadata.annotations = { ...(rs.metadata.annotations ?? {}), [REVISION]: String(maxRev + 1) };
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: String(maxRev + 1) };
    d.metadata.generation = (d.metadata.generation ?? 0) + 1;
    const want = d.spec.replicas ?? 1;
    d.status = { observedGeneration: d.metadata.generation, replicas: want * 2, updatedReplicas: 0, availableReplicas: want, unavailableReplicas: 0 };
    pending.set(key(ns, d.metadata.name), o.rolloutAfterReads ?? 1);
  }

  function progress(d: Deployment): void {
    const k = key(d.metadata.namespace!, d.metadata.name);
    const left = pending.get(k);
    if (left === undefined) return;
    const want = d.spec.replicas ?? 1;
    if (stuck) {
      d.status = { ...d.status, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet has timed out progressing.` }] };
      return;
    }
    if (left > 1) return void pending.set(k, left - 1);
    pending.delete(k);
    d.status = { observedGeneration: d.metadata.generation, replicas: want, updatedReplicas: want, readyReplicas: want, availableReplicas: want, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] };
    for (const rs of replicaSets.values()) {
      if (rs.metadata.ownerReferences?.[0]?.uid !== d.metadata.uid) continue;
      const cur = rs.metadata.annotations?.[REVISION] === d.metadata.annotations?.[REVISION];
      rs.spec.replicas = cur ? want : 0;
      rs.status = { replicas: rs.spec.replicas, availableReplicas: rs.spec.replicas };
    }
  }

  const selectorMatches = (sel: string, labels: Record<string, string> = {}) =>
    sel.split(',').filter(Boolean).every((term) => {
      const [k, v] = term.split('=');
      return labels[k] === v;
    });

  function authenticate(req: IncomingMessage): string | undefined {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return 'no bearer token';
    try {
      const url = decodeEksToken(auth.slice(7));
      const q = url.searchParams;
      if (!/^sts\.[a-z0-9-]+\.amazonaws\.com$/.test(url.hostname) || q.get('Action') !== 'GetCallerIdentity') return 'not an STS GetCallerIdentity URL';
      if (!(q.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id')) return 'x-k8s-aws-id is not signed';
      if (!q.get('X-Amz-Signature') || !q.get('X-Amz-Credential')) return 'not presigned';
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  async function body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, contentType: req.headers['content-type'], status: 0 };
    requests.push(rec);
    const send = (status: number, payload: unknown) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const status = (code: number, reason: string, message: string) => send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
    const denied = authenticate(req);
    if (denied) return status(401, 'Unauthorized', denied);
    try {
      rec.body = await body(req);
    } catch {
      return status(400, 'BadRequest', 'body is not JSON');
    }
    let m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/);
    if (m) {
      const [, ns, name] = m;
      // RBAC: the Role names one deployment (resourceNames) with get + patch.
      if (ns !== o.allow.namespace || name !== o.allow.deployment) return status(403, 'Forbidden', `deployments.apps "${name}" is forbidden: not in the Role's resourceNames`);
      const d = deployments.get(key(ns, name));
      if (!d) return status(404, 'NotFound', `deployments.apps "${name}" not found`);
      if (req.method === 'GET') {
        progress(d);
        return send(200, d);
      }
      if (req.method === 'PATCH') {
        const next = clone(d) as unknown as Record<string, unknown>;
        const ct = req.headers['content-type'];
        if (ct === 'application/json-patch+json') {
          const err = applyJsonPatch(next, rec.body as never);
          if (err) return status(422, 'Invalid', err);
        } else if (ct === 'application/strategic-merge-patch+json' || ct === 'application/merge-patch+json') mergeInto(next, rec.body as Record<string, unknown>);
        else return status(415, 'UnsupportedMediaType', `unsupported patch type ${ct}`);
        const nd = next as unknown as Deployment;
        nd.metadata.resourceVersion = String(++rv);
        deployments.set(key(ns, name), nd);
        reconcile(nd);
        return send(200, nd);
      }
      return status(403, 'Forbidden', `verb ${req.method} is not in the Role`);
    }
    m = url.pathname.match(/^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets$/) ?? url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (m && req.method === 'GET') {
      if (m[1] !== o.allow.namespace) return status(403, 'Forbidden', `namespace ${m[1]} is not the Role's`);
      const sel = url.searchParams.get('labelSelector') ?? '';
      if (url.pathname.endsWith('/pods')) return send(200, { kind: 'PodList', items: [] });
      const items = [...replicaSets.values()].filter((rs) => rs.metadata.namespace === m![1] && selectorMatches(sel, rs.metadata.labels));
      return send(200, { kind: 'ReplicaSetList', items });
    }
    return status(403, 'Forbidden', `${req.method} ${url.pathname} is not in the Role`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    deployments,
    replicaSets,
    setStuck: (s) => void (stuck = s),
    seed({ namespace, name, images, replicas = 2 }) {
      const labels = { app: name };
      const d: Deployment = {
        metadata: { name, namespace, uid: `dep-${name}`, generation: 0, resourceVersion: String(++rv), labels, annotations: {} },
        spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: images[0] }] } } },
      };
      deployments.set(key(namespace, name), d);
      for (const image of images) {
        d.spec.template = { metadata: { labels }, spec: { containers: [{ name, image }] } };
        reconcile(d);
        progress(d);
      }
      return d;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
