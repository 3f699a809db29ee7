// lathe monitor ingest, lathe monitor health, lathe monitor captures.
import type { Command } from '../command';

export const captureCommands: Command[] = [];
