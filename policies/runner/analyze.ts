import type {
  EnforcementLevel,
  Policies,
  ResourceValidation,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationPolicy,
} from '@pulumi/policy';
import * as policyServer from '@pulumi/policy/server';
import * as policyProtoutil from '@pulumi/policy/protoutil';
import * as analyzerproto from '@pulumi/pulumi/proto/analyzer_pb';
import * as rpc from '@pulumi/pulumi/runtime/rpc';
import * as pulumi from '@pulumi/pulumi';
import { Struct } from 'google-protobuf/google/protobuf/struct_pb';
import { PACK_DEFAULT_LEVEL, type ResolvedPackConfig } from './config';

/**
 * The runner core: runs a policy list over resources exactly as the Pulumi
 * CLI's analyzer host would, by calling @pulumi/policy's own RPC handlers
 * (server.makeAnalyzeRpcFun / makeAnalyzeStackRpcFun) with real analyzer
 * protobuf requests. That way the runtime itself deserializes properties
 * (secrets, assets), wraps them in its unknown-checking proxy, honours
 * `notApplicable`, skips "disabled" policies, downgrades preview-unknown
 * failures to advisory and formats violations. No PolicyPack is constructed
 * (that would start a gRPC server).
 *
 * What the engine would send through the `configure` RPC (per-policy level
 * and properties) lives in a module-private variable of the runtime, so it is
 * applied here instead: each policy gets its resolved level and its
 * validations get a `getConfig` returning the resolved properties, which is
 * what the runtime's own getConfig would return after `configure`.
 */

type RpcCallback = (err: Error | null | undefined, resp?: analyzerproto.AnalyzeResponse) => void;
type AnalyzeRpc = (call: { request: unknown }, callback: RpcCallback) => Promise<void>;
interface PolicyServerInternals {
  makeAnalyzeRpcFun(pack: string, version: string, level: EnforcementLevel, policies: Policies): AnalyzeRpc;
  makeAnalyzeStackRpcFun(pack: string, version: string, level: EnforcementLevel, policies: Policies): AnalyzeRpc;
}
interface ProtoutilInternals {
  convertEnforcementLevel(level: number): EnforcementLevel;
}
const server = policyServer as unknown as PolicyServerInternals;
const protoutil = policyProtoutil as unknown as ProtoutilInternals;

/** A resource as the analyzer sees it. */
export interface AnalyzedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** Resource policies see inputs. */
  inputs: Record<string, unknown>;
  /** Stack policies see outputs; defaults to inputs (the mock engine echoes inputs). */
  outputs?: Record<string, unknown>;
  /** Dot-separated paths of secret values. */
  secretPaths?: string[];
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
}

export interface Finding {
  policyName: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  /** The violation's own message (the runtime prefixes it with the description; removed here). */
  message: string;
  urn?: string;
  resourceName?: string;
  resourceType?: string;
}

export interface PolicyRunResult {
  findings: Finding[];
  notApplicable: Array<{ policyName: string; reason: string; urn?: string }>;
  /** A policy threw (not an unknown value, not notApplicable): the CLI would fail the preview. */
  errors: string[];
  resourceCount: number;
  policyCount: number;
  disabled: string[];
}

export interface RunPoliciesOptions {
  policies: Policies;
  config: ResolvedPackConfig;
  packName?: string;
  packVersion?: string;
  stackTags?: Record<string, string>;
}

/** Policies with the configured level, and validations whose getConfig returns the configured properties. */
function configure(policies: Policies, config: ResolvedPackConfig): Policies {
  return policies.map((p) => {
    const resolved = config[p.name] ?? { enforcementLevel: p.enforcementLevel ?? PACK_DEFAULT_LEVEL, properties: {} };
    const withConfig = <F extends (args: any, report: any) => unknown>(fn: F): F => {
      const wrapped = ((args: any, report: any) => fn({ ...args, getConfig: () => ({ ...resolved.properties }) }, report)) as F;
      const token = (fn as { __pulumiType?: string }).__pulumiType;
      if (token) (wrapped as { __pulumiType?: string }).__pulumiType = token;
      return wrapped;
    };
    if ('validateStack' in p && typeof p.validateStack === 'function') {
      return { ...p, enforcementLevel: resolved.enforcementLevel, validateStack: withConfig<StackValidation>(p.validateStack) } as StackValidationPolicy;
    }
    const rp = p as ResourceValidationPolicy;
    const v = rp.validateResource;
    return {
      ...rp,
      enforcementLevel: resolved.enforcementLevel,
      validateResource: Array.isArray(v) ? v.map((f) => withConfig<ResourceValidation>(f)) : v && withConfig<ResourceValidation>(v),
    } as ResourceValidationPolicy;
  });
}

/** Encodes resolved values the way the SDK sends them to the engine (assets/archives with their signatures, secrets wrapped). */
async function encode(value: unknown): Promise<unknown> {
  if (value === undefined || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Promise.all(value.map(async (v) => (v === undefined ? null : encode(v))));
  // instanceof, not isInstance: Asset.isInstance is true for every asset kind.
  const a = pulumi.asset;
  if (value instanceof a.FileAsset) return { [rpc.specialSigKey]: rpc.specialAssetSig, path: await value.path };
  if (value instanceof a.StringAsset) return { [rpc.specialSigKey]: rpc.specialAssetSig, text: await value.text };
  if (value instanceof a.RemoteAsset) return { [rpc.specialSigKey]: rpc.specialAssetSig, uri: await value.uri };
  if (value instanceof a.FileArchive) return { [rpc.specialSigKey]: rpc.specialArchiveSig, path: await value.path };
  if (value instanceof a.RemoteArchive) return { [rpc.specialSigKey]: rpc.specialArchiveSig, uri: await value.uri };
  if (value instanceof a.AssetArchive) {
    const assets: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(await value.assets)) assets[k] = await encode(v);
    return { [rpc.specialSigKey]: rpc.specialArchiveSig, assets };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined) out[k] = await encode(v);
  }
  return out;
}

/** Wraps the values at `paths` (dot-separated, numeric segments index arrays) in the secret signature. */
function markSecrets(encoded: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  for (const path of paths) {
    const parts = path.split('.');
    let parent: any = encoded;
    for (let i = 0; i < parts.length - 1 && parent !== undefined && parent !== null; i++) parent = parent[parts[i]];
    const last = parts[parts.length - 1];
    if (parent && typeof parent === 'object' && parent[last] !== undefined) {
      parent[last] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: parent[last] };
    }
  }
  return encoded;
}

async function toStruct(props: Record<string, unknown>, secretPaths: string[] = []): Promise<Struct> {
  const encoded = markSecrets((await encode(props)) as Record<string, unknown>, secretPaths);
  return Struct.fromJavaScript(encoded as Parameters<typeof Struct.fromJavaScript>[0]);
}

function options(r: AnalyzedResource): analyzerproto.AnalyzerResourceOptions {
  const o = new analyzerproto.AnalyzerResourceOptions();
  o.setProtect(r.protect ?? false);
  o.setIgnorechangesList([]);
  o.setAliasesList([]);
  o.setAdditionalsecretoutputsList([]);
  if (r.parent) o.setParent(r.parent);
  return o;
}

function call(rpcFun: AnalyzeRpc, request: unknown): Promise<analyzerproto.AnalyzeResponse> {
  return new Promise((resolve, reject) => {
    rpcFun({ request }, (err, resp) => (err ? reject(err) : resolve(resp as analyzerproto.AnalyzeResponse))).catch(reject);
  });
}

/** The Analyze request the engine sends for one resource (its inputs). */
export async function analyzeRequest(r: AnalyzedResource): Promise<analyzerproto.AnalyzeRequest> {
  const req = new analyzerproto.AnalyzeRequest();
  req.setType(r.type);
  req.setName(r.name);
  req.setUrn(r.urn);
  req.setProperties(await toStruct(r.inputs, r.secretPaths));
  req.setOptions(options(r));
  return req;
}

/** The AnalyzeStack request the engine sends after a preview (every resource's outputs, parents, dependencies). */
export async function analyzeStackRequest(resources: AnalyzedResource[]): Promise<analyzerproto.AnalyzeStackRequest> {
  const stackResources: analyzerproto.AnalyzerResource[] = [];
  for (const r of resources) {
    const ar = new analyzerproto.AnalyzerResource();
    ar.setType(r.type);
    ar.setName(r.name);
    ar.setUrn(r.urn);
    ar.setProperties(await toStruct(r.outputs ?? r.inputs, r.secretPaths));
    ar.setOptions(options(r));
    if (r.parent) ar.setParent(r.parent);
    ar.setDependenciesList(r.dependencies ?? []);
    const deps = ar.getPropertydependenciesMap();
    for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
      const pd = new analyzerproto.AnalyzerPropertyDependencies();
      pd.setUrnsList(urns);
      deps.set(prop, pd);
    }
    stackResources.push(ar);
  }
  const req = new analyzerproto.AnalyzeStackRequest();
  req.setResourcesList(stackResources);
  return req;
}

export async function runPolicies(resources: AnalyzedResource[], opts: RunPoliciesOptions): Promise<PolicyRunResult> {
  const packName = opts.packName ?? 'recovery-stack';
  const packVersion = opts.packVersion ?? '0.1.0';
  const policies = configure(opts.policies, opts.config);
  const analyze = server.makeAnalyzeRpcFun(packName, packVersion, PACK_DEFAULT_LEVEL, policies);
  const analyzeStack = server.makeAnalyzeStackRpcFun(packName, packVersion, PACK_DEFAULT_LEVEL, policies);
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const descriptions = new Map(opts.policies.map((p) => [p.name, p.description]));
  const result: PolicyRunResult = {
    findings: [],
    notApplicable: [],
    errors: [],
    resourceCount: resources.length,
    policyCount: policies.length,
    disabled: policies.filter((p) => p.enforcementLevel === 'disabled').map((p) => p.name),
  };

  const collect = (resp: analyzerproto.AnalyzeResponse, subject?: AnalyzedResource) => {
    for (const d of resp.getDiagnosticsList()) {
      const description = descriptions.get(d.getPolicyname()) ?? d.getDescription();
      const raw = d.getMessage();
      const message = raw.startsWith(`${description}\n`) ? raw.slice(description.length + 1) : raw;
      const target = d.getUrn() ? byUrn.get(d.getUrn()) : subject;
      result.findings.push({
        policyName: d.getPolicyname(),
        description,
        enforcementLevel: protoutil.convertEnforcementLevel(d.getEnforcementlevel()),
        message,
        urn: d.getUrn() || subject?.urn,
        resourceName: target?.name,
        resourceType: target?.type,
      });
    }
    for (const na of resp.getNotApplicableList()) {
      result.notApplicable.push({ policyName: na.getPolicyName(), reason: na.getReason(), urn: subject?.urn });
    }
  };

  // Resource policies: one Analyze call per resource, with its inputs.
  for (const r of resources) {
    try {
      collect(await call(analyze, await analyzeRequest(r)), r);
    } catch (e) {
      result.errors.push(`${r.name} (${r.type}): ${(e as Error).message}`);
    }
  }

  // Stack policies: one AnalyzeStack call with every resource's outputs.
  try {
    collect(await call(analyzeStack, await analyzeStackRequest(resources)));
  } catch (e) {
    result.errors.push(`stack policies: ${(e as Error).message}`);
  }
  return result;
}
