import { DescribeInstancesCommand, DescribeInstanceTypesCommand, type EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import type { HealthEvents } from './health';
import type { Impairment, Impairments } from './impairments';
import type { MaintenanceOptions } from './maintenance-options';

/**
 * STAND-IN for EC2 simplified automatic recovery (moto has no host failures to recover from). As the EC2
 * User Guide describes it ("Configure simplified automatic recovery",
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-configuration-recovery.html; "Recover your
 * instance", .../ec2-instance-recover.html): on a system status impairment of a running instance whose type
 * supports it (moto's DescribeInstanceTypes AutoRecoverySupported, real AWS data), whose tenancy is not
 * `host` and whose MaintenanceOptions.AutoRecovery is not `disabled`, EC2 moves the instance to another
 * host after a short delay: same instance id, IPs and EBS volumes (nothing changes in moto), the system
 * status impairment cleared, and an AWS Health event AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS for that
 * instance. A scenario can make it fail for an instance (failFor): the FAILURE event, impairment kept.
 * Anything else is left alone (left to the stack). Once per impairment.
 *
 * The Health event's category is not given on those pages; it is published as an open `issue` in the
 * instance's AZ (account-specific), the case that would matter to the stack's Health stand-down.
 */
export const SUCCESS = 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS';
export const FAILURE = 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE';

export interface RecoveryRecord {
  instanceId: string;
  at: Date;
  outcome: 'succeeded' | 'failed' | 'not-applicable';
  why: string;
}

export class Ec2AutoRecovery {
  /** How long after the impairment EC2 reports its outcome (seconds to minutes in AWS; short here). */
  delayMs = 1500;
  readonly records: RecoveryRecord[] = [];
  private readonly failing = new Set<string>();
  private readonly handled = new WeakSet<Impairment>();
  private readonly typeSupport = new Map<string, boolean>();
  private busy = false;

  constructor(
    private readonly ec2: EC2Client,
    private readonly impairments: Impairments,
    private readonly health: HealthEvents,
    private readonly maintenance: MaintenanceOptions,
    private readonly region: string,
  ) {}

  /** EC2's recovery of this instance fails (e.g. no capacity for its type): FAILURE event, fault kept. */
  failFor(instanceId: string): void {
    this.failing.add(instanceId);
  }

  clear(): void {
    this.failing.clear();
    this.records.length = 0;
  }

  /** Acts on the system status impairments older than delayMs not yet seen (the proxy calls it on a timer). */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const due = this.impairments.all().filter((i) => i.kind === 'instance-system' && !i.clearedAt && !this.handled.has(i) && i.since.getTime() + this.delayMs <= now);
      for (const i of due) {
        this.handled.add(i);
        await this.recover(i.resourceId);
      }
    } finally {
      this.busy = false;
    }
  }

  private async recover(instanceId: string): Promise<void> {
    const inst = (await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    const type = inst?.InstanceType;
    const why = !inst
      ? 'instance not found'
      : inst.State?.Name !== 'running'
        ? `not running (${inst.State?.Name})`
        : inst.Placement?.Tenancy === 'host'
          ? 'host tenancy'
          : this.maintenance.get(instanceId) === 'disabled'
            ? 'MaintenanceOptions.AutoRecovery disabled'
            : !(await this.supported(type))
              ? `instance type ${type} does not support simplified automatic recovery`
              : undefined;
    const record = (outcome: RecoveryRecord['outcome'], text: string) => this.records.push({ instanceId, at: new Date(), outcome, why: text });
    if (why) return void record('not-applicable', why);
    const failed = this.failing.has(instanceId);
    if (!failed) this.impairments.heal(instanceId, 'instance-system', 'EC2 simplified automatic recovery (same instance, moved to another host)');
    this.health.publish({
      service: 'EC2',
      eventTypeCode: failed ? FAILURE : SUCCESS,
      eventTypeCategory: 'issue',
      region: this.region,
      availabilityZone: inst!.Placement?.AvailabilityZone,
      entities: [instanceId],
      statusCode: 'open',
    });
    record(failed ? 'failed' : 'succeeded', failed ? 'recovery failed (scenario)' : 'recovered in place');
  }

  private async supported(type: string | undefined): Promise<boolean> {
    if (!type) return false;
    if (!this.typeSupport.has(type)) {
      const t = (await this.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }))).InstanceTypes?.[0];
      this.typeSupport.set(type, t?.AutoRecoverySupported === true);
    }
    return this.typeSupport.get(type)!;
  }
}
