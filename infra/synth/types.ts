/**
 * What a synthesized stack looks like: the Pulumi program run under the mock
 * engine (pulumi.runtime.setMocks), every resource it registered with the
 * inputs it passed. `npm run synth`, the offline policy runner and the drill
 * all consume this.
 *
 * Implemented by infra/synth/synthesize.ts:
 *   synthesize(opts: SynthOptions): Promise<SynthResult>
 */
export interface SynthOptions {
  /** Stack name: reads Pulumi.<stack>.yaml next to the program's Pulumi.yaml. */
  stack: string;
  /** Directory holding Pulumi.yaml; defaults to this repository. */
  programDir?: string;
  /** Extra/overriding config (fully-qualified keys, YAML values already parsed). */
  config?: Record<string, unknown>;
  /** Mock engine answers (fleet size behind tag selectors, account, region). */
  mocks?: {
    account?: string;
    region?: string;
    partition?: string;
    /** Instances each aws:ec2/getInstances tag selector resolves to (default 3). */
    instancesPerSelector?: number;
    /** Auto Scaling groups each tag selector resolves to (default 2). */
    groupsPerSelector?: number;
    /** A known fleet to answer the EC2 lookups from (infra/synth/mocks.ts MockFleet), e.g. the drill's. */
    fleet?: import('./mocks').MockFleet;
  };
}

export interface SynthResource {
  /** Pulumi type token, e.g. aws:cloudwatch/metricAlarm:MetricAlarm */
  type: string;
  /** Logical name. */
  name: string;
  urn: string;
  /** True for custom (provider) resources, false for component resources. */
  custom: boolean;
  /** Parent URN, if any. */
  parent?: string;
  /** Inputs as the program passed them, resolved (Outputs awaited); secrets kept as values. */
  inputs: Record<string, unknown>;
  /** Paths (dot-separated) of inputs that were marked secret, so printers can redact them. */
  secretPaths: string[];
  /** What the mock engine returned as the resource's state (inputs plus id/arn/url the mocks compute). */
  outputs?: Record<string, unknown>;
  /** Mock physical id (custom resources). */
  id?: string;
}

export interface SynthResult {
  project: string;
  stack: string;
  resources: SynthResource[];
  outputs: Record<string, unknown>;
  /** Stack output names whose value is secret. */
  outputSecrets?: string[];
  /** Things the mock engine had to guess (e.g. invokes without a mock). */
  warnings?: string[];
}
