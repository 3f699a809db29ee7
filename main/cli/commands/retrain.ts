// lathe retrain, lathe models rollback.
import type { Command } from '../command';

export const retrainCommands: Command[] = [];
