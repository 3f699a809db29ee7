import { describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../../../shared/contract';
import { createEventBus } from '../../../../main/api/event-bus';
import {
  alertNotification,
  monitorHash,
  notifyAlerts,
  type AlertNotification,
} from '../../../../main/electron/notifications';

const alert: Alert = {
  id: 'a1',
  at: '2026-03-01T12:00:00.000Z',
  rule: 'inputs-moved',
  model: 'fraud model',
  version: 3,
  signal: 'drift_share',
  severity: 'critical',
  value: 0.6,
  threshold: 0.3,
  message: 'drifted feature share of fraud model@3 over the last 1d is 0.6000, above 0.3',
  deliveries: [],
  acknowledgedAt: null,
  acknowledgedBy: null,
  note: null,
};

function notifier(supported = true) {
  const shown: { n: AlertNotification; click: () => void }[] = [];
  return {
    shown,
    isSupported: () => supported,
    show: (n: AlertNotification, click: () => void) => shown.push({ n, click }),
    openMonitor: vi.fn(),
  };
}

describe('desktop notifications of alerts', () => {
  it('shows one notification per monitor:alert, whose click opens the Monitor view', () => {
    const bus = createEventBus();
    const n = notifier();
    const stop = notifyAlerts(bus, n);
    bus.emit('monitor:alert', alert);
    bus.emit('run:status', { runId: 'r', status: 'running' } as never);
    expect(n.shown.map((s) => s.n)).toEqual([
      {
        title: 'Lathe critical: inputs-moved (fraud model@3)',
        body: alert.message,
        urgency: 'critical',
      },
    ]);
    n.shown[0]!.click();
    expect(n.openMonitor).toHaveBeenCalledWith(alert);
    stop();
    bus.emit('monitor:alert', alert);
    expect(n.shown).toHaveLength(1);
  });

  it('shows nothing where the system has no notifications', () => {
    const bus = createEventBus();
    const n = notifier(false);
    notifyAlerts(bus, n);
    bus.emit('monitor:alert', alert);
    expect(n.shown).toEqual([]);
  });

  it('words a model-level alert and routes to its model', () => {
    expect(alertNotification({ ...alert, version: null, severity: 'info' })).toMatchObject({
      title: 'Lathe info: inputs-moved (fraud model)',
      urgency: 'low',
    });
    expect(monitorHash('fraud model')).toBe('#/monitor/fraud%20model');
  });
});
