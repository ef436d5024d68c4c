import * as z from 'zod';

/**
 * `CloudWatch Alarm State Change` as EventBridge delivers it (CloudWatch docs,
 * "Alarm events and EventBridge"). Only the fields recovery-stack relies on are
 * required; unknown fields pass through untouched.
 */
const Dimensions = z.record(z.string().min(1).max(255), z.string().min(1).max(1024));

export const AlarmMetric = z.object({
  id: z.string().max(255).optional(),
  metricStat: z
    .object({
      metric: z.object({
        namespace: z.string().min(1).max(255),
        name: z.string().min(1).max(255),
        dimensions: Dimensions.default({}),
      }),
      period: z.number().optional(),
      stat: z.string().optional(),
    })
    .optional(),
  expression: z.string().max(1024).optional(),
  returnData: z.boolean().optional(),
});

const AlarmState = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.string().max(4096).optional(),
  /** CloudWatch's format, e.g. 2019-10-02T17:04:40.989+0000 */
  timestamp: z.string().min(10).max(64),
});

export const AlarmStateChangeEvent = z.object({
  version: z.string().optional(),
  id: z.string().min(1).max(128),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().regex(/^\d{12}$/),
  time: z.string(),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  resources: z.array(z.string()).optional(),
  detail: z.object({
    alarmName: z.string().min(1).max(255),
    state: AlarmState,
    previousState: AlarmState.optional(),
    configuration: z.object({
      description: z.string().max(1024).optional(),
      metrics: z.array(AlarmMetric).min(1).max(20),
    }),
  }),
});

export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEvent>;
