import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, ListVersionsByFunctionCommand, PublishVersionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { zipSync } from '../../sandbox/zip';
import type { Fleet } from '../fleet';
import { alarmOf, check, eventsFor, type Scenario } from './scenario';

/**
 * A deploy moves the `live` alias to version 2, which errors. lambda-rollback
 * points the alias back at version 1; the errors stop (the played CloudWatch
 * derives Errors from the version the alias routes to). Both versions stay.
 * moto stores the function and its versions without running them.
 */
interface Seed {
  fn: string;
  good: string;
  bad: string;
}

const FN = 'drill-checkout';

export const lambdaRollback: Scenario<Seed> = {
  name: 'lambda-rollback',
  title: 'Lambda alias errors after a deploy',
  fault: 'version 2 (just deployed to alias live) errors on every invocation',
  expected: 'alias live points back at version 1; both versions kept; verified',
  async seed(fleet: Fleet) {
    const c = fleet.clients;
    const role = (await c.iam.send(new CreateRoleCommand({ RoleName: `${FN}-role`, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }))).Role!.Arn!;
    const code = (n: number) => zipSync({ 'index.js': `exports.handler = async () => ({ release: ${n} });\n` });
    await c.lambda.send(new CreateFunctionCommand({ FunctionName: FN, Runtime: 'nodejs22.x', Role: role, Handler: 'index.handler', Code: { ZipFile: code(1) } }));
    const good = (await c.lambda.send(new PublishVersionCommand({ FunctionName: FN, Description: 'release 1' }))).Version!;
    await c.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: FN, ZipFile: code(2) }));
    const bad = (await c.lambda.send(new PublishVersionCommand({ FunctionName: FN, Description: 'release 2' }))).Version!;
    await c.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: bad }));
    return { fn: FN, good, bad };
  },
  targets: (s) => [{ kind: 'lambda-alias', functionName: s.fn, alias: 'live' }],
  async inject(env, s) {
    env.proxy.impairments.inject({ kind: 'lambda-errors', resourceId: `${s.fn}:${s.bad}` });
    // Alarm names keep [A-Za-z0-9_.-]: `fn:alias` -> `fn_alias` (infra/alarms/metric-alarm.ts).
    return [alarmOf(env, 'lambda-alias-errors', `${s.fn}_live`)];
  },
  async recovered(env, s) {
    return (await env.clients.lambda.send(new GetAliasCommand({ FunctionName: s.fn, Name: 'live' }))).FunctionVersion === s.good;
  },
  async judge(env, s) {
    const alias = await env.clients.lambda.send(new GetAliasCommand({ FunctionName: s.fn, Name: 'live' }));
    const versions = ((await env.clients.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: s.fn }))).Versions ?? []).map((v) => v.Version);
    const succeeded = eventsFor(env, [`${s.fn}:live`], 'Remediation Succeeded');
    const result = (succeeded[0]?.detail.evidence as { result?: { fromVersion?: string; toVersion?: string } } | undefined)?.result;
    const verified = eventsFor(env, [`${s.fn}:live`], 'Remediation Verified');
    const checks = [
      check('the alias points at the previous version', alias.FunctionVersion === s.good, `live -> ${alias.FunctionVersion} (good ${s.good}, bad ${s.bad})`),
      check('no canary weight left on the bad version', Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).length === 0, JSON.stringify(alias.RoutingConfig ?? {})),
      check('both versions are kept', versions.includes(s.good) && versions.includes(s.bad), versions.join(', ')),
      check('both versions recorded', result?.fromVersion === s.bad && result?.toVersion === s.good, `${result?.fromVersion} -> ${result?.toVersion}`),
      check('the fix was verified', verified.length >= 1, `${verified.length} Remediation Verified event(s)`),
    ];
    return { outcome: alias.FunctionVersion === s.good ? `live rolled back ${s.bad} -> ${s.good}` : `live still on ${alias.FunctionVersion}`, checks };
  },
};
