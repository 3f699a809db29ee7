import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

// Register only what the histograms and the run chart use, so the bundle stays small.
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.font.size = 11;
Chart.defaults.color = '#5b6472';
Chart.defaults.borderColor = '#e6e9ee';
Chart.defaults.animation = false;

export const palette = {
  accent: '#2f6fde',
  accentSoft: 'rgba(47, 111, 222, 0.75)',
  orange: '#e07b24',
  green: '#1f9d63',
  violet: '#7a4fd6',
  grid: '#eef0f4',
};

export { Chart };
