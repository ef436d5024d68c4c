// One lazily imported module per AWS client (functions/runtime/sdk.ts imports it on first use).
// Only the commands the functions send are exported, so esbuild keeps just their serializers:
// when code needs another command, add it here (tsc names the missing export).
export { CloudWatchClient, DescribeAlarmsCommand, ListAlarmMuteRulesCommand, ListTagsForResourceCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
