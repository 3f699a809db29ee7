// Alert rules: evaluated on a cron schedule while the app, `lathe ui` or `lathe monitor watch` runs, and
// once by `lathe monitor check`; fired alerts go to the alert log, a webhook and the desktop.
import type { z } from 'zod';
import {
  LatheError,
  type Alert,
  type AlertAckIn,
  type AlertRules,
  type AlertsListIn,
  type CheckIn,
  type CheckOut,
} from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { Database } from '../workspace/db';

export interface AlertService {
  rules(): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  setRules(rules: AlertRules): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  check(input: z.output<typeof CheckIn>): Promise<CheckOut>;
  list(input: z.output<typeof AlertsListIn>): Promise<Alert[]>;
  ack(input: z.output<typeof AlertAckIn>): Promise<Alert>;
  /** Evaluates the workspace's rules on their cron schedule until stop(). */
  startSchedule(): void;
  stop(): Promise<void>;
}

export function createAlertService(deps: { db: Database; bus: EventBus }): AlertService {
  void deps;
  const todo = (): never => {
    throw new LatheError('INTERNAL', 'alerts: not built yet');
  };
  return {
    rules: async () => todo(),
    setRules: async () => todo(),
    check: async () => todo(),
    list: async () => todo(),
    ack: async () => todo(),
    startSchedule: () => undefined,
    stop: async () => undefined,
  };
}
