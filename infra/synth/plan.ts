import { matchesPattern } from '../routing/pattern-match';
import { SECRET_PLACEHOLDER } from './stack-files';
import type { SynthResource, SynthResult } from './types';

/**
 * Readable views of a synthesized stack: resource counts, the alarm ->
 * playbook -> function routing table, and a JSON form with secrets redacted.
 */
export const TYPES = {
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  fn: 'aws:lambda/function:Function',
} as const;

export function countsByType(result: SynthResult): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** A synthetic `CloudWatch Alarm State Change` to ALARM for an alarm (what AWS would emit). */
export function alarmEvent(alarmName: string, account = '123456789012', region = 'us-east-1') {
  const ts = '2026-01-01T00:00:00.000+0000';
  return {
    version: '0',
    id: `synth-${alarmName}`.slice(0, 128),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: '2026-01-01T00:00:00Z',
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: 'ALARM', reason: 'synthetic', timestamp: ts },
      previousState: { value: 'OK', reason: 'synthetic', timestamp: ts },
      configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'AWS/EC2', name: 'StatusCheckFailed', dimensions: {} } } }] },
    },
  };
}

export interface Route {
  alarm: string;
  playbook: string;
  rules: string[];
  functions: string[];
}

function physicalName(r: SynthResource): string {
  return typeof r.inputs.name === 'string' ? r.inputs.name : r.name;
}

/** For every alarm: the default-bus rules its ALARM event matches and the functions they invoke. */
export function routes(result: SynthResult): Route[] {
  const rules = result.resources.filter((r) => r.type === TYPES.rule && r.inputs.eventBusName === undefined && typeof r.inputs.eventPattern === 'string');
  const targets = result.resources.filter((r) => r.type === TYPES.target);
  const fnByArn = new Map(result.resources.filter((r) => r.type === TYPES.fn).map((f) => [String(f.outputs?.arn ?? ''), physicalName(f)]));
  return result.resources
    .filter((r) => r.type === TYPES.alarm)
    .map((a) => {
      const name = physicalName(a);
      const event = alarmEvent(name);
      const matched = rules.filter((r) => matchesPattern(JSON.parse(r.inputs.eventPattern as string), event));
      const functions = matched.flatMap((rule) =>
        targets.filter((t) => t.inputs.rule === physicalName(rule)).map((t) => fnByArn.get(String(t.inputs.arn)) ?? String(t.inputs.arn)),
      );
      const tags = (a.inputs.tags ?? {}) as Record<string, string>;
      return { alarm: name, playbook: tags['recovery-stack:playbook'] ?? '?', rules: matched.map(physicalName), functions };
    });
}

/** Replaces every secret input with a placeholder (paths as recorded by the runner). */
export function redact(r: SynthResource): Record<string, unknown> {
  const inputs = structuredClone(r.inputs);
  for (const p of r.secretPaths) {
    if (p === '') return { '[secret]': SECRET_PLACEHOLDER };
    const parts = p.split('.');
    let node: Record<string, unknown> | unknown[] = inputs;
    for (const part of parts.slice(0, -1)) node = (node as Record<string, unknown>)[part] as Record<string, unknown>;
    if (node && typeof node === 'object') (node as Record<string, unknown>)[parts[parts.length - 1]] = SECRET_PLACEHOLDER;
  }
  return inputs;
}
