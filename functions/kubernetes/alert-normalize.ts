import { ALERT_LABELS, type AlertDetail, type AlertmanagerAlert, type AlertmanagerWebhook } from '../contracts/alertmanager';
import { deploymentId, parseDeploymentRef } from './deployment-ref';

/**
 * One Alertmanager alert -> the fault event detail, or the reason it cannot
 * be routed (no playbook/cluster/namespace/deployment label, or invalid names).
 * Rejected alerts cause no action; the webhook reports them in its response.
 */
export function normalizeAlert(a: AlertmanagerAlert, payload: AlertmanagerWebhook): { detail: AlertDetail } | { reason: string } {
  const label = (k: string) => a.labels[k] ?? payload.commonLabels[k];
  const playbook = label(ALERT_LABELS.playbook);
  const cluster = label(ALERT_LABELS.cluster) ?? label('cluster');
  const namespace = label(ALERT_LABELS.namespace);
  const name = label(ALERT_LABELS.deployment);
  const missing = Object.entries({ [ALERT_LABELS.playbook]: playbook, [`${ALERT_LABELS.cluster} (or cluster)`]: cluster, namespace, deployment: name })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) return { reason: `alert ${a.labels.alertname} (${a.fingerprint}) lacks label(s) ${missing.join(', ')}: cannot tell which playbook and Deployment it is about` };
  if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(playbook!)) return { reason: `label ${ALERT_LABELS.playbook}=${JSON.stringify(playbook!.slice(0, 80))} is not a playbook name` };
  let ref;
  try {
    ref = parseDeploymentRef(`${cluster}/${namespace}/${name}`);
  } catch (e) {
    return { reason: `alert ${a.labels.alertname} (${a.fingerprint}): ${(e as Error).message}` };
  }
  return {
    detail: {
      version: 1,
      status: a.status,
      alertName: a.labels.alertname,
      fingerprint: a.fingerprint,
      startsAt: a.startsAt,
      ...(a.endsAt ? { endsAt: a.endsAt } : {}),
      playbook: playbook!,
      deployment: { ...ref, id: deploymentId(ref) },
      labels: a.labels,
      annotations: a.annotations,
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      receiver: payload.receiver,
    },
  };
}
