import { ec2Error, ec2Response, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for EC2 instance maintenance options (MaintenanceOptions.AutoRecovery, `default` | `disabled`).
 * moto 5.2 drops the RunInstances parameter, leaves the field out of DescribeInstances and answers
 * ModifyInstanceMaintenanceOptions with HTTP 500. Here: ModifyInstanceMaintenanceOptions is answered
 * (API reference, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMaintenanceOptions.html),
 * a scenario may set the option directly (as the owner would at launch), and moto's DescribeInstances
 * answers get `maintenanceOptions` for every instance (`default` unless set, as AWS reports it).
 */
export type AutoRecovery = 'default' | 'disabled';

export class MaintenanceOptions {
  private readonly autoRecovery = new Map<string, AutoRecovery>();

  set(instanceId: string, value: AutoRecovery): void {
    this.autoRecovery.set(instanceId, value);
  }

  get(instanceId: string): AutoRecovery {
    return this.autoRecovery.get(instanceId) ?? 'default';
  }

  clear(): void {
    this.autoRecovery.clear();
  }

  handle(req: AwsRequest): StandInResponse | undefined {
    if (req.operation !== 'ModifyInstanceMaintenanceOptions') return undefined;
    const id = req.form.get('InstanceId') ?? '';
    const value = req.form.get('AutoRecovery');
    if (!/^i-[0-9a-f]+$/.test(id)) return ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    if (value !== null && value !== 'default' && value !== 'disabled') return ec2Error('InvalidParameterValue', `AutoRecovery must be default or disabled, got ${value}`);
    if (value) this.set(id, value);
    return ec2Response('ModifyInstanceMaintenanceOptions', { instanceId: id, autoRecovery: this.get(id) });
  }

  /** moto's DescribeInstances XML with each instance's maintenanceOptions added (once per instance item). */
  overlay(body: string): string {
    const seen = new Set<string>();
    return body.replace(/<instanceId>(i-[0-9a-f]+)<\/instanceId>/g, (whole, id: string) => {
      if (seen.has(id)) return whole;
      seen.add(id);
      return `<maintenanceOptions><autoRecovery>${this.get(id)}</autoRecovery></maintenanceOptions>${whole}`;
    });
  }
}
