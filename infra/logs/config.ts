import { z } from 'zod';
import { RUNG_NAMES } from '../../functions/contracts/rungs';

/**
 * `recovery-stack:logDetectors`: CloudWatch Logs metric filters + alarms that
 * route like every other alarm (one rule per playbook, alarm name
 * `recovery-<stage>-<playbook>-<name>`).
 *
 * Which resource a log alarm acts on: the action functions read the resource
 * from the alarm's metric dimensions (InstanceId / VolumeId /
 * AutoScalingGroupName). A metric filter can only take dimension values from
 * the log event, so a detector with a ladder names `resource: { dimension,
 * field, id }`: the filter publishes the dimension from the JSON field
 * (`$.instanceId`) and the alarm watches the one value `id`. Without
 * `resource` the detector is notify-only (empty ladder): the notifier pages
 * with the alarm, nothing is acted on.
 */
const Rung = z.enum(RUNG_NAMES as [string, ...string[]], { error: () => `must be one of: ${RUNG_NAMES.join(', ')}` });

export const RESOURCE_DIMENSIONS = {
  InstanceId: { kind: 'instance', re: /^i-[0-9a-f]{8,17}$/, what: 'an EC2 instance id like i-0123456789abcdef0' },
  VolumeId: { kind: 'volume', re: /^vol-[0-9a-f]{8,17}$/, what: 'an EBS volume id like vol-0123456789abcdef0' },
  AutoScalingGroupName: { kind: 'autoscaling-group', re: /^[\w+=,.@/-][\w +=,.@/:-]{0,254}$/, what: 'an Auto Scaling group name' },
} as const;
export type ResourceDimension = keyof typeof RESOURCE_DIMENSIONS;

const LogResource = z
  .object({
    dimension: z.enum(Object.keys(RESOURCE_DIMENSIONS) as [ResourceDimension, ...ResourceDimension[]], {
      error: `must be one of: ${Object.keys(RESOURCE_DIMENSIONS).join(', ')}`,
    }),
    /** JSON selector of the log event field holding the resource id, e.g. `$.instanceId`. */
    field: z.string().regex(/^\$\.[A-Za-z0-9_.]{1,200}$/, { error: 'must be a JSON field selector like $.instanceId' }),
    id: z.string().min(1).max(255),
  })
  .strict()
  .superRefine((r, ctx) => {
    const spec = RESOURCE_DIMENSIONS[r.dimension];
    if (!spec.re.test(r.id)) ctx.addIssue({ code: 'custom', path: ['id'], message: `must be ${spec.what} (dimension ${r.dimension})` });
  });

/** CloudWatch periods: 10, 30 or a multiple of 60 seconds. */
const Period = z
  .number()
  .int()
  .refine((n) => n === 10 || n === 30 || (n >= 60 && n <= 86_400 && n % 60 === 0), { error: 'must be 10, 30 or a multiple of 60 seconds up to 86400' });

export const LogDetector = z
  .object({
    /** Last part of the alarm name; lowercase letters, digits, hyphens. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, { error: 'use 1-48 lowercase letters, digits or hyphens' }),
    /** An existing log group (the stack does not own it). */
    logGroupName: z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, { error: 'must be a CloudWatch Logs log group name' }),
    /** CloudWatch Logs filter pattern, e.g. `{ $.level = "ERROR" && $.msg = "*OOM*" }` or `"Out of memory"`. */
    filterPattern: z.string().min(1).max(1024),
    /** Matching log events per period that raise the alarm. */
    threshold: z.number().positive({ error: 'must be > 0 (matching log events per period)' }),
    periodSeconds: Period.default(60),
    evaluationPeriods: z.number().int().min(1).max(10).default(1),
    /** Rungs to run; [] (default) = notify-only. */
    ladder: z.array(Rung).max(5, { error: 'at most 5 rungs' }).default([]),
    resource: LogResource.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.ladder.length > 0 && !d.resource) {
      ctx.addIssue({
        code: 'custom',
        path: ['resource'],
        message:
          'a log detector with a ladder must say which resource to act on: add resource: { dimension: InstanceId, field: $.instanceId, id: i-... } (or use ladder: [] for notify-only)',
      });
    }
    if (d.resource && !d.filterPattern.trim().startsWith('{')) {
      ctx.addIssue({
        code: 'custom',
        path: ['filterPattern'],
        message: `resource.field ${d.resource.field} is a JSON selector: use a JSON filter pattern such as '{ ${d.resource.field} = "${d.resource.id}" && ... }'`,
      });
    }
  });
export type LogDetector = z.infer<typeof LogDetector>;

export const LogDetectors = z
  .array(LogDetector)
  .max(50)
  .superRefine((list, ctx) => {
    const seen = new Map<string, number>();
    list.forEach((d, i) => {
      const first = seen.get(d.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicates logDetectors[${first}].name: names must be unique` });
      else seen.set(d.name, i);
    });
  })
  .default([]);

/**
 * `recovery-stack:auditLogs`: ship the functions' log groups (the audit
 * trail: every decision is logged) to Kinesis Data Firehose through
 * subscription filters. Either an existing stream (`firehoseArn`) or one the
 * stack creates, delivering to an encrypted, versioned S3 bucket.
 */
export const AuditLogs = z
  .object({
    enabled: z.boolean().default(false),
    /** Existing Firehose delivery stream; without it the stack creates one to S3. */
    firehoseArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[A-Za-z0-9_.-]{1,64}$/, { error: 'must be a Firehose delivery stream ARN' })
      .optional(),
    /** Subscription filter pattern; '' ships every line. */
    filterPattern: z.string().max(1024).default(''),
    /** Days the created bucket keeps shipped logs before expiring them (created stream only). */
    retentionDays: z.number().int().min(1).max(3653).default(400),
  })
  .strict()
  .default({ enabled: false, filterPattern: '', retentionDays: 400 });
export type AuditLogs = z.infer<typeof AuditLogs>;
