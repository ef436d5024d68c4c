import * as z from 'zod/mini';

/** A string of min..max characters. */
const str = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const upTo = (max: number) => z.string().check(z.maxLength(max));

/**
 * `CloudWatch Alarm State Change` as EventBridge delivers it (CloudWatch docs,
 * "Alarm events and EventBridge"). Only the fields recovery-stack relies on are
 * required; unknown fields pass through untouched.
 */
const Dimensions = z.record(str(1, 255), str(1, 1024));

export const AlarmMetric = z.object({
  id: z.optional(upTo(255)),
  metricStat: z.optional(
    z.object({
      metric: z.object({
        namespace: str(1, 255),
        name: str(1, 255),
        dimensions: z._default(Dimensions, {}),
      }),
      period: z.optional(z.number()),
      stat: z.optional(z.string()),
    }),
  ),
  expression: z.optional(upTo(1024)),
  returnData: z.optional(z.boolean()),
});

const AlarmState = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.optional(upTo(4096)),
  /** CloudWatch's format, e.g. 2019-10-02T17:04:40.989+0000 */
  timestamp: str(10, 64),
});

export const AlarmStateChangeEvent = z.object({
  version: z.optional(z.string()),
  id: str(1, 128),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  account: z.string().check(z.regex(/^\d{12}$/, 'a 12-digit account id')),
  time: str(1, 64),
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')),
  resources: z.optional(z.array(z.string())),
  detail: z.object({
    alarmName: str(1, 255),
    state: AlarmState,
    previousState: z.optional(AlarmState),
    configuration: z.object({
      description: z.optional(upTo(1024)),
      metrics: z.array(AlarmMetric).check(z.minLength(1), z.maxLength(20)),
    }),
  }),
});

export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEvent>;
