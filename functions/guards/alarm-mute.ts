import { cloudwatch } from '../runtime/sdk';
import { allow, deny, type Verdict } from './verdict';

/**
 * CloudWatch alarm mute rules (PutAlarmMuteRule): during a mute window an
 * alarm's configured actions are muted, but the alarm still changes state and
 * its `CloudWatch Alarm State Change` event still reaches EventBridge. An
 * operator who muted the alarm for planned maintenance does not want it
 * acted on, so an ACTIVE rule targeting the fault's alarm means no action.
 * Only CloudWatch alarm faults have one (Alertmanager alerts do not).
 *
 * Failure policy: when the rules cannot be read (AccessDenied, the API not
 * offered in this partition/region, retries exhausted) the guard lets the
 * remediation proceed and records why in the evidence. Unlike the change
 * calendar (an operator opts in to a named calendar, so an unreadable one
 * fails closed) this check runs for every alarm without being asked for:
 * failing closed would turn a missing permission or a partition without the
 * API into every fault in the estate going unremediated. The kill switch and
 * the change calendar remain the fail-closed ways to freeze the automation.
 */
export interface MutedBy {
  name: string;
  arn?: string;
  muteType?: string;
  expireDate?: string;
}

/** Rule summaries carry only the ARN; the name is its last segment (`...:alarm-mute-rule:<name>`). */
function ruleName(arn: string | undefined): string {
  if (!arn) return 'unnamed rule';
  return arn.slice(Math.max(arn.lastIndexOf(':'), arn.lastIndexOf('/')) + 1) || arn;
}

/** Pages read at most (a page holds 50 rules by default; an alarm is rarely targeted by more). */
const MAX_PAGES = 10;

export async function checkAlarmMuteRules(alarmName: string | undefined): Promise<Verdict> {
  if (!alarmName) return allow();
  const { client, sdk } = await cloudwatch();
  const active: MutedBy[] = [];
  let unread = false;
  try {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(new sdk.ListAlarmMuteRulesCommand({ AlarmName: alarmName, Statuses: ['ACTIVE'], NextToken: nextToken }));
      for (const r of out.AlarmMuteRuleSummaries ?? []) {
        // Asked for ACTIVE only; a summary saying otherwise is not a mute in force.
        if (r.Status !== undefined && r.Status !== 'ACTIVE') continue;
        active.push({ name: ruleName(r.AlarmMuteRuleArn), arn: r.AlarmMuteRuleArn, muteType: r.MuteType, expireDate: r.ExpireDate?.toISOString() });
      }
      nextToken = out.NextToken;
    } while (active.length === 0 && nextToken && ++pages < MAX_PAGES);
    unread = active.length === 0 && nextToken !== undefined;
  } catch (e) {
    const error = (e as { name?: string }).name ?? 'Error';
    return allow({
      alarmMuteRules: {
        checked: false,
        error,
        message: (e as Error).message,
        note: `mute rules of ${alarmName} not readable (${error}); proceeding without the mute-rule check (other guards still apply)`,
      },
    });
  }
  // Stopped at MAX_PAGES with more to read: say so rather than claim the alarm is unmuted.
  if (active.length === 0) return allow({ alarmMuteRules: { checked: true, active: [], ...(unread ? { unreadPages: true } : {}) } });
  return deny(`alarm ${alarmName} is muted by active alarm mute rule(s) ${active.map((r) => r.name).join(', ')}: not acting during the mute window`, {
    alarmMuteRules: { checked: true, active },
  });
}
