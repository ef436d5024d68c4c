import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/**
 * One explicit Kubernetes provider per cluster (never the ambient
 * kubeconfig: a stack must not touch whatever cluster the operator's shell
 * points at). With a kubeconfig secret from config it is used as is;
 * otherwise one is built from the EKS cluster's endpoint and CA that
 * authenticates with `aws eks get-token` as the deploying identity.
 */
export interface ClusterInfo {
  name: string;
  endpoint: pulumi.Output<string>;
  certificateAuthority: pulumi.Output<string>;
  arn: pulumi.Output<string>;
  provider: k8s.Provider;
}

export function clusterProvider(stage: string, clusterName: string, kubeconfig: string | undefined, region: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): ClusterInfo {
  const eks = aws.eks.getClusterOutput({ name: clusterName }, { parent: opts.parent });
  const endpoint = eks.endpoint;
  const certificateAuthority = eks.certificateAuthorities.apply((c) => c[0]?.data ?? '');
  const generated = pulumi.all([endpoint, certificateAuthority, region]).apply(([server, ca, r]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': ca } }],
      contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
      'current-context': clusterName,
      users: [{ name: clusterName, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', clusterName, '--region', r] } } }],
    }),
  );
  const provider = new k8s.Provider(
    `recovery-${stage}-k8s-${clusterName}`,
    { kubeconfig: kubeconfig !== undefined ? pulumi.secret(kubeconfig) : generated, enableServerSideApply: true },
    opts,
  );
  return { name: clusterName, endpoint, certificateAuthority, arn: eks.arn, provider };
}
