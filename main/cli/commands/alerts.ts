// lathe monitor actuals, performance, check, watch, alerts, ack, rules.
import type { Command } from '../command';

export const alertCommands: Command[] = [];
