import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * A Kubernetes bearer token for EKS, built the way `aws eks get-token` builds
 * it: a presigned STS GetCallerIdentity URL whose signature covers the
 * `x-k8s-aws-id: <cluster>` header, base64url-encoded behind `k8s-aws-v1.`.
 * The API server's authenticator replays the URL against STS to learn the
 * caller's IAM role, which an EKS access entry maps to a Kubernetes identity.
 * Signing is local (no network call); the token is valid for 15 minutes from
 * signing whatever expiresIn says, so we sign 60 s tokens and re-sign freely.
 * SDK pieces load lazily: importing this module loads nothing.
 */
export const TOKEN_PREFIX = 'k8s-aws-v1.';
const CLUSTER_HEADER = 'x-k8s-aws-id';

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  /** Defaults to the Lambda's own credentials (the SDK's default chain). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Seconds the presigned URL claims to be valid (EKS honours at most 15 min). */
  expiresIn?: number;
  /** Signing time (tests); defaults to now. */
  signingDate?: Date;
}

export async function eksToken(o: EksTokenOptions): Promise<string> {
  if (!/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(o.clusterName)) throw new Error(`EKS cluster name ${JSON.stringify(o.clusterName)} is not valid`);
  const [{ SignatureV4 }, { Sha256 }] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
  const credentials = o.credentials ?? (await import('@aws-sdk/credential-provider-node')).defaultProvider();
  const hostname = `sts.${o.region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials, region: o.region, service: 'sts', sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_HEADER]: o.clusterName },
    },
    { expiresIn: o.expiresIn ?? 60, signingDate: o.signingDate },
  );
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string').map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`))
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return TOKEN_PREFIX + Buffer.from(url).toString('base64url');
}

/** The presigned URL inside a token (tests and diagnostics). */
export function decodeEksToken(token: string): URL {
  if (!token.startsWith(TOKEN_PREFIX)) throw new Error(`not an EKS token (expected prefix ${TOKEN_PREFIX})`);
  return new URL(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}
