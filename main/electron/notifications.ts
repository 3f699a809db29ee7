// Desktop notifications of fired alerts: each 'monitor:alert' on the bus becomes a system notification
// whose click opens the Monitor view. No Electron import here; main.ts passes in what shows one.
import type { Alert } from '../../shared/contract';
import type { Services } from '../services';

export interface AlertNotification {
  title: string;
  body: string;
  urgency: 'low' | 'normal' | 'critical';
}

export interface Notifier {
  /** False where the system has no notifications (then nothing is shown). */
  isSupported(): boolean;
  show(notification: AlertNotification, onClick: () => void): void;
  /** Brings the window forward on the Monitor view. */
  openMonitor(alert: Alert): void;
}

const URGENCY: Record<Alert['severity'], AlertNotification['urgency']> = {
  info: 'low',
  warning: 'normal',
  critical: 'critical',
};

/** What the notification of an alert says. */
export function alertNotification(alert: Alert): AlertNotification {
  const subject = alert.version === null ? alert.model : `${alert.model}@${alert.version}`;
  return {
    title: `Lathe ${alert.severity}: ${alert.rule} (${subject})`,
    body: alert.message,
    urgency: URGENCY[alert.severity],
  };
}

/** The Monitor view of a model, as the renderer routes it. */
export const monitorHash = (model: string) => `#/monitor/${encodeURIComponent(model)}`;

/** Shows a notification for every alert the bus carries; returns the function that stops it. */
export function notifyAlerts(
  bus: Pick<Services['bus'], 'subscribe'>,
  notifier: Notifier,
): () => void {
  return bus.subscribe(({ event, payload }) => {
    if (event !== 'monitor:alert' || !notifier.isSupported()) return;
    const alert = payload as Alert;
    notifier.show(alertNotification(alert), () => notifier.openMonitor(alert));
  });
}
