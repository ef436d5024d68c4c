/**
 * Faults injected into the sandbox that moto cannot represent: moto reports
 * every running instance and every volume as healthy. The gap proxy overlays
 * these on DescribeInstanceStatus / DescribeVolumeStatus, and the drill's
 * CloudWatch stand-in reads them to decide each alarm's state, so status
 * checks and alarms tell the same story.
 *
 * They clear the way AWS's do:
 *   - system status (host hardware): a stop/start moves the instance to new
 *     hardware; a terminated instance has no status at all;
 *   - instance status (the OS is hung): a reboot or stop/start clears it,
 *     unless the fault survives restarts (broken kernel, full disk, ...);
 *   - volume stalled I/O: belongs to the volume's storage and never clears on
 *     its own; the instance recovers only when another volume replaces it;
 *   - DB unresponsive (`<identifier>@<InstanceCreateTime>`): belongs to that
 *     physical DB instance; another instance under the same identifier (a
 *     restore) is healthy;
 *   - Lambda errors (`<function>:<version>`): belong to a published version;
 *     an alias moved to another version stops erroring.
 */
export type ImpairmentKind = 'instance-system' | 'instance-status' | 'volume-io' | 'db-unresponsive' | 'lambda-errors';

export interface Impairment {
  kind: ImpairmentKind;
  /** Instance id or volume id. */
  resourceId: string;
  since: Date;
  /** instance-status only: a reboot or stop/start does not help. */
  survivesRestart?: boolean;
  clearedAt?: Date;
  clearedBy?: string;
}

export type LifecycleEvent = 'stopped' | 'started' | 'rebooted' | 'terminated';

export class Impairments {
  private readonly items: Impairment[] = [];
  /** Instances that stopped after being impaired: the next start lands on other hardware. */
  private readonly stoppedSince = new Set<string>();
  /**
   * Instances that stopped since takeStops() last read them, even if already started again: a restart
   * runbook stops and starts within one call here, while in AWS the instance stays stopped for a minute
   * or more, long enough for an Auto Scaling health check to see it (../../drill/asg-health.ts).
   */
  private readonly stops = new Set<string>();
  /** Bumped on every change, so observers re-read only when something happened. */
  version = 0;

  inject(i: Omit<Impairment, 'since'> & { since?: Date }): Impairment {
    const item: Impairment = { ...i, since: i.since ?? new Date() };
    this.items.push(item);
    this.version++;
    return item;
  }

  active(resourceId: string, kind?: ImpairmentKind): Impairment[] {
    return this.items.filter((i) => i.resourceId === resourceId && !i.clearedAt && (!kind || i.kind === kind));
  }

  all(): readonly Impairment[] {
    return this.items;
  }

  /** The proxy and the SSM Automation stand-in report what happened to an instance. */
  onInstance(instanceId: string, event: LifecycleEvent, by: string): void {
    const now = new Date();
    for (const i of this.active(instanceId)) {
      if (i.kind === 'volume-io') continue;
      const clears =
        event === 'terminated' ||
        (event === 'rebooted' && i.kind === 'instance-status' && !i.survivesRestart) ||
        (event === 'started' && this.stoppedSince.has(instanceId) && !(i.kind === 'instance-status' && i.survivesRestart));
      if (clears) {
        i.clearedAt = now;
        i.clearedBy = `${by} (${event})`;
        this.version++;
      }
    }
    // Any lifecycle change of an instance can change what its metrics report.
    this.version++;
    if (event === 'stopped') {
      this.stoppedSince.add(instanceId);
      this.stops.add(instanceId);
    }
    if (event === 'started' || event === 'terminated') this.stoppedSince.delete(instanceId);
  }

  /** The fault goes away by itself (e.g. the storage recovers): its metrics report healthy again. */
  heal(resourceId: string, kind: ImpairmentKind, by: string): Impairment[] {
    const healed = this.active(resourceId, kind);
    for (const i of healed) {
      i.clearedAt = new Date();
      i.clearedBy = by;
    }
    if (healed.length) this.version++;
    return healed;
  }

  /** The instances that stopped since the last call. */
  takeStops(): string[] {
    const out = [...this.stops];
    this.stops.clear();
    return out;
  }

  clear(): void {
    this.version++;
    this.items.length = 0;
    this.stoppedSince.clear();
    this.stops.clear();
  }
}
