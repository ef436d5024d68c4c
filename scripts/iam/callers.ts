/**
 * Who made a request: the drill's Lambda runner signs each function's requests
 * with an access key id of its own (moto accepts any key, and answers every one
 * as its default account), so the gap proxy can tell the functions apart from
 * the SigV4 credential (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`).
 * The key id names the catalog function (FunctionName): `DRILL-<name>`.
 */
const PREFIX = 'DRILL-';

export function accessKeyIdOf(functionName: string): string {
  return `${PREFIX}${functionName}`;
}

/** The catalog function name behind an access key id of accessKeyIdOf, else undefined. */
export function functionOfAccessKey(accessKeyId: string): string | undefined {
  return accessKeyId.startsWith(PREFIX) ? accessKeyId.slice(PREFIX.length) : undefined;
}
