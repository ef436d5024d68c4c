import * as z from 'zod';

/**
 * Where the `ansible` rung's playbook comes from (config `recovery-stack:ansible`,
 * passed to the ansible function as JSON in ANSIBLE_PLAYBOOK). Mirrors the
 * parameters of the AWS-owned SSM document AWS-ApplyAnsiblePlaybooks:
 * SourceType GitHub | S3, SourceInfo (JSON), PlaybookFile, InstallDependencies,
 * ExtraVariables, Check, TimeoutSeconds.
 */
const GitHubSource = z
  .object({
    type: z.literal('GitHub'),
    owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, { error: 'must be a GitHub user or organisation' }),
    repository: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: 'must be a GitHub repository name' }),
    /** Directory or file in the repository to download. */
    path: z.string().max(1024).default(''),
    /** e.g. `branch:main`, `commitID:<sha>`. */
    getOptions: z.string().regex(/^(branch|commitID):[\w./-]{1,200}$/, { error: 'use branch:<name> or commitID:<sha>' }).optional(),
    /** Private repositories: an SSM SecureString reference such as `{{ssm-secure:github-token}}` (never the token itself). */
    tokenInfo: z.string().regex(/^\{\{ssm-secure:[\w./-]{1,1011}\}\}$/, { error: 'must be an SSM SecureString reference like {{ssm-secure:github-token}}' }).optional(),
  })
  .strict();

const S3Source = z
  .object({
    type: z.literal('S3'),
    /** `https://s3.amazonaws.com/<bucket>/<prefix>/` or a file URL in S3. */
    path: z.string().regex(/^https:\/\/[a-z0-9.-]*s3[a-z0-9.-]*\.amazonaws\.com\/\S+$/, { error: 'must be an https S3 URL like https://s3.amazonaws.com/my-bucket/playbooks/' }),
  })
  .strict();

export const AnsiblePlaybook = z
  .object({
    source: z.discriminatedUnion('type', [GitHubSource, S3Source], { error: 'source.type must be GitHub or S3' }),
    /** Playbook file relative to the downloaded source. */
    playbookFile: z.string().regex(/^[\w./-]{1,255}\.ya?ml$/, { error: 'must be a .yml/.yaml file path' }),
    installDependencies: z.boolean().default(true),
    /** Passed as `--extra-vars` key=value pairs. */
    extraVariables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().regex(/^[^\s'"]{0,256}$/, { error: 'no spaces or quotes' })).default({}),
    /** Ansible check mode: report what would change without changing it. */
    check: z.boolean().default(false),
    timeoutSeconds: z.number().int().min(60).max(3600).default(600),
  })
  .strict();
export type AnsiblePlaybook = z.infer<typeof AnsiblePlaybook>;

/** The document's parameters (SendCommand takes string lists). */
export function documentParameters(p: AnsiblePlaybook): Record<string, string[]> {
  const { type, ...info } = p.source;
  const extra = Object.entries({ SSM: 'True', ...p.extraVariables })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return {
    SourceType: [type],
    SourceInfo: [JSON.stringify(Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined && v !== '')))],
    InstallDependencies: [p.installDependencies ? 'True' : 'False'],
    PlaybookFile: [p.playbookFile],
    ExtraVariables: [extra],
    Check: [p.check ? 'True' : 'False'],
    TimeoutSeconds: [String(p.timeoutSeconds)],
  };
}
