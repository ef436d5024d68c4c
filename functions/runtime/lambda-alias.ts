import { lambda } from './sdk';

/** A Lambda alias and the function's published versions (newest first), as lambda-rollback decides from them. */
export interface LambdaAliasFacts {
  functionName: string;
  alias: string;
  /** Primary version the alias points at. */
  version: string;
  /** Canary weights (RoutingConfig.AdditionalVersionWeights), if a weighted deploy is in progress. */
  additionalWeights: Record<string, number>;
  revisionId?: string;
  /** Published versions (never $LATEST), highest number first. */
  versions: { version: string; lastModified?: string; codeSha256?: string; description?: string }[];
}

/** `function:alias` (the Resource dimension of alias metrics) -> its parts. */
export function splitAliasId(id: string): { functionName: string; alias: string } {
  const i = id.lastIndexOf(':');
  return { functionName: id.slice(0, i), alias: id.slice(i + 1) };
}

export async function describeLambdaAlias(id: string): Promise<LambdaAliasFacts | undefined> {
  const { functionName, alias } = splitAliasId(id);
  const { client, sdk } = await lambda();
  let a;
  try {
    a = await client.send(new sdk.GetAliasCommand({ FunctionName: functionName, Name: alias }));
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
  const versions: LambdaAliasFacts['versions'] = [];
  let Marker: string | undefined;
  do {
    const page = await client.send(new sdk.ListVersionsByFunctionCommand({ FunctionName: functionName, Marker }));
    for (const v of page.Versions ?? []) {
      if (v.Version && /^\d+$/.test(v.Version)) {
        versions.push({ version: v.Version, lastModified: v.LastModified, codeSha256: v.CodeSha256, description: v.Description || undefined });
      }
    }
    Marker = page.NextMarker;
  } while (Marker);
  versions.sort((x, y) => Number(y.version) - Number(x.version));
  return {
    functionName,
    alias,
    version: a.FunctionVersion ?? '$LATEST',
    additionalWeights: { ...(a.RoutingConfig?.AdditionalVersionWeights ?? {}) },
    revisionId: a.RevisionId,
    versions,
  };
}
