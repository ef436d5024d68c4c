/**
 * The IAM actions the stack's functions and the SSM automation role are granted, from the declarations
 * (functions/catalog.ts, functions/actions/*), as the markdown page docs/organisation-guardrails.md: what a
 * service control policy or a permissions boundary must leave open for the stack to work. Run
 * `npx tsx scripts/iam/required-actions.ts > docs/organisation-guardrails.md`; a test keeps the page equal to
 * this output.
 */
import { automationRolePermissions, FUNCTIONS } from '../../functions/catalog';
import type { PermissionStatement } from '../../functions/contracts/permissions';

/** Granted by infra to every function role besides its declaration (infra/iam/function-role.ts). */
const EVERY_FUNCTION = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];

function actionsOf(perms: PermissionStatement[]): string[] {
  return [...new Set(perms.flatMap((p) => p.actions))].sort();
}

export function requiredActionsPage(): string {
  const rows = FUNCTIONS.map((f) => ({ who: `function \`${f.name}\``, actions: [...new Set([...actionsOf(f.permissions), ...EVERY_FUNCTION])].sort() }));
  rows.push({ who: 'role `recovery-<env>-automation` (assumed by SSM Automation for the reboot runbook)', actions: actionsOf(automationRolePermissions) });
  const all = [...new Set(rows.flatMap((r) => r.actions))].sort();
  const byService = new Map<string, string[]>();
  for (const a of all) {
    const service = a.split(':')[0];
    byService.set(service, [...(byService.get(service) ?? []), a.split(':')[1]]);
  }
  return [
    '# Organisation guardrails: what the stack needs left open',
    '',
    'Generated from the action declarations by `npx tsx scripts/iam/required-actions.ts` (a test keeps this page equal',
    'to its output). A service control policy or a permissions boundary that denies one of these actions in the',
    "stack's accounts and regions makes the function that needs it fail with AccessDenied, at the worst time: in the",
    'middle of a remediation. Each role is granted these actions only on the resources its declaration names',
    '(docs/least-privilege.md measures what it uses); the boundary needs to leave the actions open, not `*`.',
    '',
    'Only the action kinds some ladder of a stack runs are deployed (a stack without RDS targets has no',
    '`reboot-db`); a boundary for such a stack may leave their actions out.',
    '',
    '## Every action, by service',
    '',
    '| service | actions |',
    '| --- | --- |',
    ...[...byService].map(([s, acts]) => `| \`${s}\` | ${acts.map((a) => `\`${a}\``).join(', ')} |`),
    '',
    '## By role',
    '',
    '| role | actions |',
    '| --- | --- |',
    ...rows.map((r) => `| ${r.who} | ${r.actions.map((a) => `\`${a}\``).join(', ')} |`),
    '',
    'Every function role also gets `logs:CreateLogStream` / `logs:PutLogEvents` on its own log group and',
    '`sqs:SendMessage` on the functions dead-letter queue (infra/iam/function-role.ts). KMS actions are granted',
    'only through the services that use the keys (`kms:ViaService`): an SCP that denies KMS outside a service',
    'call leaves them working.',
    '',
  ].join('\n');
}

if (require.main === module) process.stdout.write(requiredActionsPage());
