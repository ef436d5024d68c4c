import * as aws from '@pulumi/aws';
import {
  validateResourceOfType,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from '@pulumi/policy';
import { refersTo } from './lib/references';
import { tagsOf } from './lib/tags';
import { ifKnown } from './lib/unknown';

const VOLUME = 'aws:ebs/volume:Volume';
const INSTANCE = 'aws:ec2/instance:Instance';
const DLM_POLICY = 'aws:dlm/lifecyclePolicy:LifecyclePolicy';
const BACKUP_SELECTION = 'aws:backup/selection:Selection';
const VOLUME_ATTACHMENT = 'aws:ec2/volumeAttachment:VolumeAttachment';

export const ebsEncrypted: ResourceValidationPolicy = {
  name: 'ebs-encrypted',
  description: 'EBS volumes are encrypted, so their snapshots (the restore-volume source) are encrypted too.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.ebs.Volume, (volume, _args, reportViolation) => {
    if (volume.encrypted !== true) {
      reportViolation(
        'The volume is not encrypted. Fix: set `encrypted: true` (optionally `kmsKeyId`), or turn on EBS encryption by default for the account and region (aws.ebs.EncryptionByDefault).',
      );
    }
  }),
};

/** Does an enabled DLM lifecycle policy target these tags (any of its target tags matches)? */
function dlmTargets(policy: PolicyResource, tags: Record<string, string>, resourceType: 'VOLUME' | 'INSTANCE'): boolean {
  if (ifKnown(() => policy.props.state) === 'DISABLED') return false;
  const details = policy.props.policyDetails ?? {};
  const types: string[] = details.resourceTypes ?? [];
  if (!types.map((t) => String(t).toUpperCase()).includes(resourceType)) return false;
  const targetTags: Record<string, string> = details.targetTags ?? {};
  return Object.entries(targetTags).some(([k, v]) => tags[k] === v);
}

/** Does an AWS Backup selection pick this volume (by ARN/wildcard, reference or tag)? */
function backupSelects(selection: PolicyResource, volume: PolicyResource, tags: Record<string, string>): boolean {
  const props = selection.props;
  const resources: string[] = ifKnown(() => props.resources) ?? [];
  const byResource =
    resources.some((r) => r === '*' || /^arn:[^:]+:ec2:[^:]*:[^:]*:volume\/\*$/.test(r)) ||
    refersTo(selection, volume, ['resources']);
  const selectionTags: Array<{ type?: string; key?: string; value?: string }> = props.selectionTags ?? [];
  const byTag = selectionTags.some((t) => t.key !== undefined && tags[t.key] === t.value);
  if (!byResource && !byTag) return false;
  // Conditions narrow the selection (AND): every StringEquals condition must hold.
  const conditions: Array<{ stringEquals?: Array<{ key: string; value: string }> }> = props.conditions ?? [];
  return conditions.every((c) =>
    (c.stringEquals ?? []).every((eq) => tags[eq.key.replace(/^aws:ResourceTag\//, '')] === eq.value),
  );
}

export const ebsSnapshotCoverage: StackValidationPolicy = {
  name: 'ebs-snapshot-coverage',
  description:
    'Every EBS volume has scheduled snapshots (a DLM lifecycle policy or an AWS Backup selection), so restore-volume has something to restore from.',
  enforcementLevel: 'mandatory',
  validateStack: (args, reportViolation) => {
    const volumes = args.resources.filter((r) => r.type === VOLUME);
    if (volumes.length === 0) args.notApplicable('the stack has no EBS volumes');
    const dlm = args.resources.filter((r) => r.type === DLM_POLICY);
    const selections = args.resources.filter((r) => r.type === BACKUP_SELECTION);
    const attachments = args.resources.filter((r) => r.type === VOLUME_ATTACHMENT);
    const instances = args.resources.filter((r) => r.type === INSTANCE);
    for (const volume of volumes) {
      const tags = tagsOf(volume.props);
      if (dlm.some((p) => dlmTargets(p, tags, 'VOLUME'))) continue;
      if (selections.some((s) => backupSelects(s, volume, tags))) continue;
      // An INSTANCE-type DLM policy snapshots every volume attached to the instances it targets.
      const attachedTo = attachments
        .filter((a) => refersTo(a, volume, ['volumeId']))
        .flatMap((a) => instances.filter((i) => refersTo(a, i, ['instanceId'])));
      if (attachedTo.some((i) => dlm.some((p) => dlmTargets(p, tagsOf(i.props), 'INSTANCE')))) continue;
      reportViolation(
        `EBS volume '${volume.name}' has no snapshot schedule. Fix: give it the target tag of a DLM lifecycle policy ` +
          `(aws.dlm.LifecyclePolicy with policyDetails.resourceTypes ["VOLUME"] and targetTags, e.g. { snapshot: "daily" }), ` +
          'or add it to an AWS Backup selection (aws.backup.Selection: its ARN in `resources` or a matching `selectionTags` entry).',
        volume.urn,
      );
    }
  },
};

export interface RdsBackupConfig {
  minRetentionDays: number;
}

export const rdsBackupRetention: ResourceValidationPolicy = {
  name: 'rds-backup-retention',
  description: 'RDS instances keep automated backups long enough for point-in-time restore (backupRetentionPeriod >= 7 days by default).',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: { minRetentionDays: { type: 'integer', minimum: 1, maximum: 35, default: 7 } },
  },
  validateResource: validateResourceOfType(aws.rds.Instance, (db, args, reportViolation) => {
    const { minRetentionDays } = { minRetentionDays: 7, ...args.getConfig<Partial<RdsBackupConfig>>() };
    if (typeof db.engine === 'string' && db.engine.startsWith('aurora')) {
      args.notApplicable('Aurora instances take their backup retention from the cluster');
    }
    const days = db.backupRetentionPeriod;
    if (days === undefined || days < minRetentionDays) {
      reportViolation(
        `backupRetentionPeriod is ${days === undefined ? 'not set (AWS defaults to 1 day)' : days}. ` +
          `Fix: set \`backupRetentionPeriod: ${minRetentionDays}\` or more (max 35).`,
      );
    }
  }),
};

export const rdsDeletionSafety: ResourceValidationPolicy = {
  name: 'rds-deletion-safety',
  description: 'RDS instances cannot be deleted by accident and leave a final snapshot when they are deleted on purpose.',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.rds.Instance, (db, _args, reportViolation) => {
    if (db.deletionProtection !== true) {
      reportViolation('deletionProtection is off. Fix: set `deletionProtection: true`.');
    }
    if (db.skipFinalSnapshot === true) {
      reportViolation('skipFinalSnapshot is true, so deleting the instance loses its data. Fix: set `skipFinalSnapshot: false` and a `finalSnapshotIdentifier`.');
    } else if (!db.finalSnapshotIdentifier) {
      reportViolation('A final snapshot is required but finalSnapshotIdentifier is not set, so a delete would fail half-way. Fix: set `finalSnapshotIdentifier`.');
    }
  }),
};

export const restorabilityPolicies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  ebsEncrypted,
  ebsSnapshotCoverage,
  rdsBackupRetention,
  rdsDeletionSafety,
];
