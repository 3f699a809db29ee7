import { formatTime, TIME_FORMAT_OPTIONS } from '../../../lib/format';

// formatTime's output, with one formatter instead of one per call (toLocaleString builds one each time).
const TIME_FORMAT = new Intl.DateTimeFormat('en-US', TIME_FORMAT_OPTIONS);
/** What formatTime gives, at a fraction of its cost per cell. */
export function formatStarted(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? formatTime(iso) : TIME_FORMAT.format(d);
}
