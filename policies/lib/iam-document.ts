/**
 * IAM policy documents as resources carry them: a JSON string (the usual
 * `JSON.stringify(...)` / `aws.iam.getPolicyDocument().json`) or an object
 * (the SDKs accept `PolicyDocument` objects too). Normalised to statements so
 * policies can reason about actions, resources and conditions.
 */
export interface IamStatement {
  /** Sid, or `#<index>` when the statement has none, for messages. */
  label: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  condition: Record<string, Record<string, unknown>>;
}

export type ParsedDocument = { ok: true; statements: IamStatement[] } | { ok: false; error: string };

export function parsePolicyDocument(doc: unknown): ParsedDocument {
  let value: unknown = doc;
  if (typeof doc === 'string') {
    try {
      value = JSON.parse(doc);
    } catch (e) {
      return { ok: false, error: `the policy document is not valid JSON (${(e as Error).message})` };
    }
  } else if (doc && typeof doc === 'object') {
    // A plain copy: reading through the runtime's proxy still raises for unknown values.
    value = JSON.parse(JSON.stringify(doc));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'the policy document must be a JSON object with a Statement' };
  }
  const raw = (value as Record<string, unknown>).Statement;
  if (raw === undefined) return { ok: false, error: 'the policy document has no Statement' };
  const list = Array.isArray(raw) ? raw : [raw];
  const statements: IamStatement[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as Record<string, unknown>;
    if (!s || typeof s !== 'object') return { ok: false, error: `statement #${i} is not an object` };
    statements.push({
      label: typeof s.Sid === 'string' && s.Sid ? s.Sid : `#${i}`,
      effect: typeof s.Effect === 'string' ? s.Effect : '',
      actions: asList(s.Action),
      notActions: asList(s.NotAction),
      resources: asList(s.Resource),
      notResources: asList(s.NotResource),
      condition: s.Condition && typeof s.Condition === 'object' ? (s.Condition as IamStatement['condition']) : {},
    });
  }
  return { ok: true, statements };
}

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** `*` or `service:*`: every action (of a service). */
export function isWildcardAction(action: string): boolean {
  return action.trim() === '*' || /^[a-z0-9-]+:\*$/i.test(action.trim());
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    '^' + pattern.trim().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
    'i',
  );
  return re.test(action);
}

/**
 * `*`, or an ARN whose resource part is just a wildcard (`arn:aws:ec2:*:*:*`):
 * every resource of the service. `arn:aws:ec2:*:*:instance/*` is narrower (one
 * resource type) and counts as scoped.
 */
export function isUnscopedResource(resource: string): boolean {
  const r = resource.trim();
  if (r === '*') return true;
  const parts = r.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  const rest = parts.slice(5).join(':');
  return rest === '*' || rest === '';
}

/** Condition keys that scope a statement to tagged resources. */
const TAG_CONDITION_KEY = /^(aws|ec2|autoscaling):ResourceTag\/.+|^rds:[a-z-]+-tag\/.+/i;

export function hasTagCondition(condition: IamStatement['condition']): boolean {
  return Object.values(condition).some(
    (byKey) => byKey && typeof byKey === 'object' && Object.keys(byKey).some((k) => TAG_CONDITION_KEY.test(k)),
  );
}
