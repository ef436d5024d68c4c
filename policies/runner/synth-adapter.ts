import type { SynthResource, SynthResult } from '../../infra/synth/types';
import type { AnalyzedResource } from './analyze';

/**
 * SynthResult -> what the analyzer sees. Resource policies get the inputs.
 * Stack policies get outputs: the mock engine's state when synthesize()
 * reports it (optional `id` / `outputs` fields), else the inputs. Dependencies
 * are passed through when synthesize() reports them.
 */
type SynthResourceExtras = SynthResource & {
  id?: string;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
};

export function analyzedResources(synth: SynthResult): AnalyzedResource[] {
  return (synth.resources as SynthResourceExtras[]).map((r) => {
    const outputs = { ...r.inputs, ...(r.outputs ?? {}) };
    if (typeof r.id === 'string' && r.id !== '' && outputs.id === undefined) outputs.id = r.id;
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent: r.parent,
      inputs: r.inputs,
      outputs,
      secretPaths: r.secretPaths,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    };
  });
}
