import * as z from 'zod/mini';
import { defineAction } from './declaration';
import type { ActionResult } from '../runtime/action-context';
import type { Diagnosis } from '../runtime/diagnosis';
import { lambda } from '../runtime/sdk';

/**
 * Lambda alias rollback after a bad deploy: point the alias back at the
 * previous published version. Two deploy styles are recognised:
 *  - weighted (canary/linear, e.g. CodeDeploy): the alias still points at the
 *    old version and routes a share to the new one; rolling back drops the
 *    extra weight;
 *  - all-at-once: the alias points at the new version; the previous one is
 *    the highest published version below it.
 * The alias's RevisionId makes the update conditional: a deploy that moved the
 * alias since diagnosis wins, and the rollback fails rather than undo it.
 */
export interface RollbackChoice {
  from: string;
  to: string;
  /** `weights`: drop the canary weights; `version`: repoint the alias. */
  kind: 'weights' | 'version';
  /** The version that was deployed (the one rolled back). */
  deployed: string;
}

export function rollbackChoice(d: Diagnosis): { choice?: RollbackChoice; why?: string } {
  const a = d.lambdaAlias;
  if (!a) return { why: `alias ${d.resource.id} not found` };
  const canary = Object.keys(a.additionalWeights);
  if (canary.length > 0) return { choice: { from: `${a.version}+${canary.join('+')}`, to: a.version, kind: 'weights', deployed: canary[0] } };
  if (!/^\d+$/.test(a.version)) return { why: `alias ${a.alias} points at ${a.version}, not a published version: there is nothing to roll back to` };
  const previous = a.versions.find((v) => Number(v.version) < Number(a.version));
  if (!previous) return { why: `version ${a.version} is the first published version of ${a.functionName}: there is no previous version` };
  return { choice: { from: a.version, to: previous.version, kind: 'version', deployed: a.version } };
}

export const lambdaRollback = defineAction({
  name: 'lambda-rollback',
  description: "Point the Lambda alias back at the previous published version (or drop a canary's extra weight) after its error alarm fires; records both versions.",
  destructive: false,
  input: z.strictObject({
    /** Only a recent deploy is suspect: errors on a version published long ago are not rolled back. */
    maxDeployAgeMinutes: z._default(z.int().check(z.minimum(1), z.maximum(60 * 24 * 30)), 1440),
  }),
  permissions: [
    {
      sid: 'RollBackProtectedAlias',
      actions: ['lambda:GetAlias', 'lambda:ListVersionsByFunction', 'lambda:UpdateAlias'],
      resources: ['arn:{partition}:lambda:{region}:{account}:function:*'],
      scope: 'protected',
    },
  ],
  fits(d, p) {
    const { choice, why } = rollbackChoice(d);
    if (!choice) return why;
    const deployed = d.lambdaAlias!.versions.find((v) => v.version === choice.deployed);
    const at = deployed?.lastModified ? Date.parse(deployed.lastModified) : NaN;
    if (Number.isFinite(at) && Date.now() - at > p.maxDeployAgeMinutes * 60_000) {
      return `version ${choice.deployed} was published ${Math.round((Date.now() - at) / 60_000)} minutes ago (more than maxDeployAgeMinutes ${p.maxDeployAgeMinutes}): the errors are not from a recent deploy`;
    }
    return undefined;
  },
  plan(d) {
    const { choice } = rollbackChoice(d);
    const a = d.lambdaAlias!;
    return choice?.kind === 'weights'
      ? [`UpdateAlias ${a.functionName}:${a.alias}: drop the routing weights to ${Object.keys(a.additionalWeights).join(', ')}; all traffic to ${a.version}`]
      : [`UpdateAlias ${a.functionName}:${a.alias}: ${choice?.from} -> ${choice?.to} (RevisionId ${a.revisionId ?? 'unknown'})`];
  },
  async run(ctx): Promise<ActionResult> {
    const a = ctx.diagnosis.lambdaAlias!;
    const { choice } = rollbackChoice(ctx.diagnosis);
    const { client, sdk } = await lambda();
    const out = await client.send(
      new sdk.UpdateAliasCommand({
        FunctionName: a.functionName,
        Name: a.alias,
        FunctionVersion: choice!.to,
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: a.revisionId,
      }),
    );
    if (out.FunctionVersion !== choice!.to) {
      return { outcome: 'failed', reason: `UpdateAlias answered version ${out.FunctionVersion}, expected ${choice!.to}`, detail: { ...choice } };
    }
    const versionInfo = (v: string) => a.versions.find((x) => x.version === v);
    return {
      outcome: 'succeeded',
      detail: {
        alias: `${a.functionName}:${a.alias}`,
        kind: choice!.kind,
        fromVersion: choice!.from,
        toVersion: choice!.to,
        rolledBack: { version: choice!.deployed, ...versionInfo(choice!.deployed) },
        restored: { version: choice!.to, ...versionInfo(choice!.to) },
        revisionId: out.RevisionId,
      },
    };
  },
});
