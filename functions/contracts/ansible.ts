import * as z from 'zod/mini';

/** A string matching `re`, else `error`. */
const matching = (re: RegExp, error?: string) => z.string().check(z.regex(re, error === undefined ? undefined : { error }));

/**
 * Where the `ansible` rung's playbook comes from (config `recovery-stack:ansible`,
 * passed to the ansible function as JSON in ANSIBLE_PLAYBOOK). Mirrors the
 * parameters of the AWS-owned SSM document AWS-ApplyAnsiblePlaybooks:
 * SourceType GitHub | S3, SourceInfo (JSON), PlaybookFile, InstallDependencies,
 * ExtraVariables, Check, TimeoutSeconds.
 */
const GitHubSource = z.strictObject({
  type: z.literal('GitHub'),
  owner: matching(/^[A-Za-z0-9-]{1,39}$/, 'must be a GitHub user or organisation'),
  repository: matching(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a GitHub repository name'),
  /** Directory or file in the repository to download. */
  path: z._default(z.string().check(z.maxLength(1024)), ''),
  /** e.g. `branch:main`, `commitID:<sha>`. */
  getOptions: z.optional(matching(/^(branch|commitID):[\w./-]{1,200}$/, 'use branch:<name> or commitID:<sha>')),
  /** Private repositories: an SSM SecureString reference such as `{{ssm-secure:github-token}}` (never the token itself). */
  tokenInfo: z.optional(matching(/^\{\{ssm-secure:[\w./-]{1,1011}\}\}$/, 'must be an SSM SecureString reference like {{ssm-secure:github-token}}')),
});

const S3Source = z.strictObject({
  type: z.literal('S3'),
  /** `https://s3.amazonaws.com/<bucket>/<prefix>/` or a file URL in S3. */
  path: matching(/^https:\/\/[a-z0-9.-]*s3[a-z0-9.-]*\.amazonaws\.com\/\S+$/, 'must be an https S3 URL like https://s3.amazonaws.com/my-bucket/playbooks/'),
});

export const AnsiblePlaybook = z.strictObject({
  source: z.discriminatedUnion('type', [GitHubSource, S3Source], { error: 'source.type must be GitHub or S3' }),
  /** Playbook file relative to the downloaded source. */
  playbookFile: matching(/^[\w./-]{1,255}\.ya?ml$/, 'must be a .yml/.yaml file path'),
  installDependencies: z._default(z.boolean(), true),
  /** Passed as `--extra-vars` key=value pairs. */
  extraVariables: z._default(z.record(matching(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), matching(/^[^\s'"]{0,256}$/, 'no spaces or quotes')), {}),
  /** Ansible check mode: report what would change without changing it. */
  check: z._default(z.boolean(), false),
  timeoutSeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 600),
});
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
