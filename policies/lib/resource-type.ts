import type { Resource } from '@pulumi/pulumi';

/** The constructor shape `validateResourceOfType` and `args.isType` accept. */
export type ResourceClass<TArgs> = { new (name: string, args: TArgs, ...rest: any[]): Resource };

/**
 * A stand-in resource "class" for providers this repository does not install
 * (Kubernetes). @pulumi/policy only reads the static `__pulumiType` of a class
 * (getPulumiType / isTypeOf), so an object carrying the type token behaves
 * exactly like `k8s.apps.v1.Deployment` in `validateResourceOfType`, including
 * the runtime's fast not-applicable path for other types.
 */
export function resourceType<TArgs>(token: string): ResourceClass<TArgs> {
  return { __pulumiType: token } as unknown as ResourceClass<TArgs>;
}
