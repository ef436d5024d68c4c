import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { parse } from 'yaml';
import { synthesize } from '../../infra/synth/synthesize';
import type { MockInstance } from '../../infra/synth/mocks';
import type { SynthResult } from '../../infra/synth/types';
import type { Clients } from './aws';

/**
 * Synthesizes the chosen stack for the drill: the stack's own config
 * (Pulumi.<stack>.yaml: guardrails, notifications, disabled detectors, ...)
 * with three overrides, each printed:
 *   - targets: the fleet the drill seeded (the stack's own targets name
 *     resources that do not exist here);
 *   - mode: auto (a dry-run stack would only plan; the drill proves the actions);
 *   - playbooks.verifyAfterSeconds: short, so verification does not wait minutes;
 *   - logDetectors, only when one acts on a resource of the stack's own (not seeded): that
 *     one notify-only (ladder: []), since the drill's targets do not protect it;
 *   - alertmanager.webhookSecret, only when a scenario protects a
 *     kubernetes-deployment (the config requires it then): the stack's own
 *     when it is a plain value, else a random one for this run (a `secure:`
 *     value needs the stack's passphrase). Printed redacted.
 * The program's deploy-time EC2 lookups (tag selectors, a protected
 * instance's volumes) are answered from the fleet read back from moto
 * (SynthOptions.mocks.fleet), as `pulumi up` answers them from the account.
 */
export interface DrillSynth {
  result: SynthResult;
  /** As printed and reported (secrets redacted). */
  overrides: Record<string, unknown>;
  ms: number;
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

async function fleetFacts(c: Clients): Promise<MockInstance[]> {
  const out = await c.ec2.send(new DescribeInstancesCommand({}));
  return (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .map((i) => {
      const devices = (i.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.VolumeId).map((b) => ({ volumeId: b.Ebs!.VolumeId!, deviceName: b.DeviceName! }));
      return {
        id: i.InstanceId!,
        state: i.State?.Name ?? 'pending',
        tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value!])),
        availabilityZone: i.Placement?.AvailabilityZone,
        instanceType: i.InstanceType,
        rootBlockDevices: devices.filter((d) => d.deviceName === i.RootDeviceName),
        ebsBlockDevices: devices.filter((d) => d.deviceName !== i.RootDeviceName),
      };
    });
}

export function stackConfig(stack: string): Record<string, unknown> {
  const file = path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) throw new Error(`no stack file Pulumi.${stack}.yaml in ${REPO_ROOT}: choose --stack dev|staging|prod`);
  return ((parse(readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
}

export async function synthesizeForDrill(o: {
  stack: string;
  clients: Clients;
  targets: Record<string, unknown>[];
  verifyAfterSeconds: number;
}): Promise<DrillSynth> {
  const current = stackConfig(o.stack);
  const playbooks = (current['recovery-stack:playbooks'] ?? {}) as Record<string, unknown>;
  const overrides: Record<string, unknown> = {
    'recovery-stack:targets': o.targets,
    'recovery-stack:mode': 'auto',
    'recovery-stack:playbooks': { ...playbooks, verifyAfterSeconds: o.verifyAfterSeconds },
  };
  // A log detector that acts on a resource of the stack's own (not seeded here) would act on a
  // resource the drill's targets do not protect, which the config refuses: it stays, notify-only.
  const seeded = new Set(o.targets.flatMap((t) => [t.id, t.name]).filter((x): x is string => typeof x === 'string'));
  const logDetectors = current['recovery-stack:logDetectors'];
  if (Array.isArray(logDetectors)) {
    const acting = (d: { ladder?: unknown[]; resource?: { id?: string } }) => !!d.resource?.id && (d.ladder?.length ?? 0) > 0 && !seeded.has(d.resource.id);
    const detectors = logDetectors as { ladder?: unknown[]; resource?: { id?: string } }[];
    if (detectors.some(acting)) overrides['recovery-stack:logDetectors'] = detectors.map((d) => (acting(d) ? { ...d, ladder: [] } : d));
  }
  const redacted: Record<string, unknown> = { ...overrides };
  if (o.targets.some((t) => t.kind === 'kubernetes-deployment')) {
    const own = (current['recovery-stack:alertmanager'] as { webhookSecret?: unknown } | undefined)?.webhookSecret;
    const webhookSecret = typeof own === 'string' ? own : `drill-${randomBytes(24).toString('hex')}`;
    overrides['recovery-stack:alertmanager'] = { webhookSecret };
    redacted['recovery-stack:alertmanager'] = { webhookSecret: typeof own === 'string' ? '[the stack\'s, redacted]' : '[random for this run, redacted]' };
  }
  const fleet = { instances: await fleetFacts(o.clients) };
  const started = Date.now();
  const result = await synthesize({ stack: o.stack, config: overrides, mocks: { fleet } });
  return { result, overrides: redacted, ms: Date.now() - started };
}
