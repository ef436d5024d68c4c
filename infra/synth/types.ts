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
}

export interface SynthResult {
  project: string;
  stack: string;
  resources: SynthResource[];
  outputs: Record<string, unknown>;
}
