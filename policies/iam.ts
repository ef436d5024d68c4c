import type { ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import {
  actionMatches,
  hasTagCondition,
  isUnscopedResource,
  isWildcardAction,
  parsePolicyDocument,
  type IamStatement,
} from './lib/iam-document';

/** Resource types that carry IAM permission documents, and where. */
const POLICY_HOLDERS: Record<string, string> = {
  'aws:iam/policy:Policy': 'policy',
  'aws:iam/rolePolicy:RolePolicy': 'policy',
  'aws:iam/userPolicy:UserPolicy': 'policy',
  'aws:iam/groupPolicy:GroupPolicy': 'policy',
  'aws:iam/role:Role': 'inlinePolicies',
};

interface NamedDocument {
  /** e.g. `policy` or `inlinePolicies[ledger]`, for messages. */
  where: string;
  document: unknown;
}

/** The permission documents of an IAM resource; not applicable for other types. */
function documentsOf(args: ResourceValidationArgs): NamedDocument[] {
  const prop = POLICY_HOLDERS[args.type];
  if (prop === undefined) args.notApplicable('only applies to IAM policies, role/user/group policies and roles with inline policies');
  if (prop === 'policy') return [{ where: 'policy', document: args.props.policy }];
  const inline: Array<{ name?: string; policy?: unknown }> = args.props.inlinePolicies ?? [];
  const docs: NamedDocument[] = [];
  for (let i = 0; i < inline.length; i++) {
    const p = inline[i];
    if (p.policy === undefined) continue;
    docs.push({ where: `inlinePolicies[${p.name ?? i}]`, document: p.policy });
  }
  if (docs.length === 0) args.notApplicable('the role has no inline policies');
  return docs;
}

function allowStatements(doc: NamedDocument, reportViolation: (m: string) => void): IamStatement[] {
  const parsed = parsePolicyDocument(doc.document);
  if (!parsed.ok) {
    reportViolation(`${doc.where}: ${parsed.error}. Fix: pass a valid IAM policy document (JSON string or object).`);
    return [];
  }
  return parsed.statements.filter((s) => s.effect === 'Allow');
}

/** Which of `actions` the statement allows (its Action list, or everything its NotAction leaves out). */
function grantedOf(s: IamStatement, actions: readonly string[]): string[] {
  return s.notActions.length > 0 ? actions.filter((a) => !s.notActions.some((n) => actionMatches(n, a))) : actions.filter((a) => s.actions.some((x) => actionMatches(x, a)));
}

/** The start of a violation: where, which statement, what it allows, on which resources. */
function allowsOn(doc: NamedDocument, s: IamStatement, granted: string[]): string {
  return `${doc.where} statement ${s.label} allows ${granted.join(', ')} on ${s.notResources.length > 0 ? 'NotResource (everything else)' : s.resources.join(', ') || 'no Resource'}. `;
}

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: 'iam-no-wildcard-actions',
  description: 'IAM permissions name their actions: no `*`, no `service:*` and no Allow with NotAction (least privilege).',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    for (const doc of documentsOf(args)) {
      for (const s of allowStatements(doc, reportViolation)) {
        const wild = s.actions.filter(isWildcardAction);
        if (wild.length > 0) {
          reportViolation(
            `${doc.where} statement ${s.label} allows ${wild.map((a) => `'${a}'`).join(', ')}. Fix: list the exact actions the code calls (e.g. 'ec2:DescribeInstances', 'ec2:StopInstances').`,
          );
        }
        if (s.notActions.length > 0) {
          reportViolation(
            `${doc.where} statement ${s.label} uses Allow with NotAction, which grants every other action. Fix: replace it with an explicit Action list.`,
          );
        }
      }
    }
  },
};

/** Actions that stop, replace or delete compute, storage or databases. */
export const DESTRUCTIVE_ACTIONS = [
  'ec2:TerminateInstances',
  'ec2:StopInstances',
  'ec2:RebootInstances',
  'ec2:DeleteVolume',
  'ec2:DetachVolume',
  'ec2:DeleteSnapshot',
  'ec2:ReleaseAddress',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  'autoscaling:DeleteAutoScalingGroup',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:SetDesiredCapacity',
  'autoscaling:DetachInstances',
  'autoscaling:SetInstanceHealth',
  'rds:DeleteDBInstance',
  'rds:DeleteDBCluster',
  'rds:StopDBInstance',
  'rds:RebootDBInstance',
  'rds:FailoverDBCluster',
  'rds:ModifyDBInstance',
  'rds:DeleteDBSnapshot',
];

export const iamScopedDestructiveActions: ResourceValidationPolicy = {
  name: 'iam-scoped-destructive-actions',
  description:
    'Destructive EC2, Auto Scaling and RDS actions are scoped: a resource ARN narrower than `*`, or a resource-tag condition.',
  enforcementLevel: 'mandatory',
  configSchema: {
    properties: { destructiveActions: { type: 'array', items: { type: 'string' }, default: DESTRUCTIVE_ACTIONS } },
  },
  validateResource: (args, reportViolation) => {
    const destructive = { destructiveActions: DESTRUCTIVE_ACTIONS, ...args.getConfig<{ destructiveActions?: string[] }>() }.destructiveActions;
    for (const doc of documentsOf(args)) {
      for (const s of allowStatements(doc, reportViolation)) {
        const granted = grantedOf(s, destructive);
        if (granted.length === 0) continue;
        const unscoped = s.notResources.length > 0 || s.resources.length === 0 || s.resources.some(isUnscopedResource);
        if (!unscoped || hasTagCondition(s.condition)) continue;
        reportViolation(
          allowsOn(doc, s, granted) +
            'Fix: list the ARNs of the protected resources (e.g. arn:aws:ec2:<region>:<account>:instance/i-0abc...), ' +
            'or add a tag condition such as { StringEquals: { "aws:ResourceTag/recovery": "on" } }.',
        );
      }
    }
  },
};

/** KMS actions that use a key's material, or hand its use to someone else (a grant). */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:CreateGrant',
];

/** Every key of an account (`key/*`): as wide as `*` for key use. */
const ANY_KEY = /^arn:[^:]*:kms:[^:]*:[^:]*:key\/\*$/;

export const iamScopedKeyUse: ResourceValidationPolicy = {
  name: 'iam-scoped-key-use',
  description:
    'KMS key use (Decrypt, Encrypt, ReEncrypt*, GenerateDataKey*, CreateGrant) names its keys: key ARNs, never `*` or `key/*`. Key policies (on the key itself) are not identity policies and are not checked.',
  enforcementLevel: 'mandatory',
  validateResource: (args, reportViolation) => {
    for (const doc of documentsOf(args)) {
      for (const s of allowStatements(doc, reportViolation)) {
        const granted = grantedOf(s, KEY_USE_ACTIONS);
        if (granted.length === 0) continue;
        // A condition (kms:ViaService, a tag) still leaves every key of the account usable through it.
        const wide = s.notResources.length > 0 || s.resources.length === 0 || s.resources.some((r) => isUnscopedResource(r) || ANY_KEY.test(r.trim()));
        if (!wide) continue;
        reportViolation(
          allowsOn(doc, s, granted) +
            'Fix: list the key ARNs (arn:aws:kms:<region>:<account>:key/<key id>); for EBS keys, set recovery-stack:ebsKmsKeys.',
        );
      }
    }
  },
};

export const iamPolicies: ResourceValidationPolicy[] = [iamNoWildcardActions, iamScopedDestructiveActions, iamScopedKeyUse];
