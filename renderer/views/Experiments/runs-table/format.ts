import { formatTime } from '../../../lib/format';

// formatTime's output, with one formatter instead of one per call (toLocaleString builds one each time).
const TIME_FORMAT = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
/** What formatTime gives, at a fraction of its cost per cell. */
export function formatStarted(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? formatTime(iso) : TIME_FORMAT.format(d);
}
