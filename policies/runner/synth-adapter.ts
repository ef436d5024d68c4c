import type { SynthResource, SynthResult } from '../../infra/synth/types';
import type { AnalyzedResource } from './analyze';

/**
 * SynthResult -> what the analyzer sees. Resource policies get the inputs.
 * Stack policies get outputs: the mock engine's state (plus the physical `id`,
 * which the engine's outputs carry too), else the inputs. Dependencies are
 * passed through if synthesize() ever reports them (the mock engine's
 * newResource does not see them today).
 */
type SynthResourceExtras = SynthResource & {
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
