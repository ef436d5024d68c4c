import { jsonResponse, type AwsRequest, type StandInResponse } from './protocol';

/**
 * STAND-IN for CloudWatch ListAlarmMuteRules (moto 5.2 does not implement it:
 * it answers HTTP 500 with an HTML page, which the SDK retries). In this SDK
 * version CloudWatch speaks awsJson1_0: X-Amz-Target
 * `GraniteServiceVersion20100801.ListAlarmMuteRules`, credential scope
 * `monitoring`. Empty by default; a scenario mutes an alarm on purpose to check
 * that the automation leaves a muted alarm's resource alone. Filters honoured:
 * AlarmName, Statuses.
 */
export type MuteRuleStatus = 'SCHEDULED' | 'ACTIVE' | 'EXPIRED';

export interface MuteRule {
  name: string;
  /** The alarms it targets (MuteTargets.AlarmNames). */
  alarmNames: string[];
  status: MuteRuleStatus;
  muteType: 'ONE_TIME' | 'RECURRING';
  expireDate?: Date;
}

export class AlarmMuteRules {
  private readonly rules: MuteRule[] = [];

  constructor(
    private readonly region: string,
    private readonly account = '123456789012',
  ) {}

  put(rule: Omit<MuteRule, 'muteType'> & { muteType?: MuteRule['muteType'] }): string {
    this.rules.push({ muteType: 'ONE_TIME', ...rule });
    return this.arnOf(rule.name);
  }

  arnOf(name: string): string {
    return `arn:aws:cloudwatch:${this.region}:${this.account}:alarm-mute-rule:${name}`;
  }

  clear(): void {
    this.rules.length = 0;
  }

  handle(req: AwsRequest): StandInResponse | undefined {
    if (req.operation !== 'ListAlarmMuteRules') return undefined;
    const alarmName = typeof req.json.AlarmName === 'string' ? req.json.AlarmName : undefined;
    const statuses = Array.isArray(req.json.Statuses) ? (req.json.Statuses as string[]) : [];
    const rules = this.rules.filter((r) => (!alarmName || r.alarmNames.includes(alarmName)) && (statuses.length === 0 || statuses.includes(r.status)));
    return jsonResponse(
      {
        AlarmMuteRuleSummaries: rules.map((r) => ({
          AlarmMuteRuleArn: this.arnOf(r.name),
          Status: r.status,
          MuteType: r.muteType,
          // awsJson timestamps: epoch seconds.
          ...(r.expireDate ? { ExpireDate: r.expireDate.getTime() / 1000 } : {}),
          LastUpdatedTimestamp: Date.now() / 1000,
        })),
      },
      '1.0',
    );
  }
}
