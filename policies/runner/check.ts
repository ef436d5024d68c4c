import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Policies } from '@pulumi/policy';
import { synthesize as synthesizeStack } from '../../infra/synth/synthesize';
import type { SynthOptions, SynthResult } from '../../infra/synth/types';
import { ALL_POLICIES, PACK_NAME } from '../all';
import { runPolicies, type PolicyRunResult } from './analyze';
import { loadPolicyPackConfig, reconcilePolicyPackConfig, type ResolvedPackConfig } from './config';
import { analyzedResources } from './synth-adapter';

/** policies/ (config.<stack>.json lives here). */
export const POLICIES_DIR = path.resolve(__dirname, '..');
export type Synthesize = (opts: SynthOptions) => Promise<SynthResult>;

export interface CheckOptions {
  stack: string;
  /** Another Pulumi TypeScript program (directory with Pulumi.yaml); defaults to this repository. */
  programDir?: string;
  /** Policy config file; default policies/config.<stack>.json when it exists, else the policies' defaults. */
  configFile?: string;
  policies?: Policies;
  synthesize?: Synthesize;
}

export interface CheckResult {
  synth: SynthResult;
  result: PolicyRunResult;
  config: ResolvedPackConfig;
  configFile?: string;
  timings: { synthMs: number; policyMs: number };
}

export function defaultConfigFile(stack: string): string | undefined {
  const f = path.join(POLICIES_DIR, `config.${stack}.json`);
  return existsSync(f) ? f : undefined;
}

/** Resolves the config first (bad config fails before the program runs), then synthesizes and runs every policy. */
export async function checkStack(opts: CheckOptions): Promise<CheckResult> {
  const policies = opts.policies ?? ALL_POLICIES;
  const configFile = opts.configFile ?? defaultConfigFile(opts.stack);
  const config = reconcilePolicyPackConfig(policies, configFile ? loadPolicyPackConfig(configFile) : {});
  const synthesize = opts.synthesize ?? synthesizeStack;
  const t0 = performance.now();
  const synth = await synthesize({ stack: opts.stack, programDir: opts.programDir });
  const t1 = performance.now();
  const result = await runPolicies(analyzedResources(synth), { policies, config, packName: PACK_NAME });
  const t2 = performance.now();
  return { synth, result, config, configFile, timings: { synthMs: t1 - t0, policyMs: t2 - t1 } };
}
