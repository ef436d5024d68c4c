import { UnknownValueError } from '@pulumi/policy';

/**
 * Reads a value through the runtime's unknown-checking proxy and returns
 * undefined when it is not known yet (preview), instead of letting the whole
 * policy degrade to "can't run during preview". Use it only for values that are
 * supporting evidence (computed outputs such as tagsAll or an alarm's
 * dimensions), never for the property a policy is judging.
 */
export function ifKnown<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}

/**
 * Is a reference property set? An unknown value counts as set: during preview
 * a queue or topic ARN that is still being created is unknown, yet the author
 * did wire it, which is what the policy asks.
 */
export function isSet(read: () => unknown): boolean {
  try {
    const v = read();
    return v !== undefined && v !== null && v !== '';
  } catch (e) {
    if (e instanceof UnknownValueError) return true;
    throw e;
  }
}
