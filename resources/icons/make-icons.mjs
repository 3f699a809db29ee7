// Regenerates Lathe's icons: icon.svg (the source), PNGs (512, 1024 and the sizes the .ico/.icns need),
// icon.ico and icon.icns. Needs ImageMagick (`convert`) and, for .icns, `png2icns` (Debian: icnsutils).
//   node resources/icons/make-icons.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const S = 1024;
const C = S / 2;
const f = (n) => n.toFixed(1);

/** Polygon points of a gear outline: `teeth` trapezoid teeth between radii `inner` and `outer`. */
function gearPath(teeth, inner, outer) {
  const points = [];
  const step = (2 * Math.PI) / teeth;
  for (let i = 0; i < teeth; i++) {
    const a = i * step - Math.PI / 2;
    // root, rise, tip, tip, fall: the tip is narrower than the gap so teeth read as machined.
    for (const [da, r] of [
      [-0.5, inner],
      [-0.3, inner],
      [-0.2, outer],
      [0.2, outer],
      [0.3, inner],
    ]) {
      const t = a + da * step;
      points.push(`${f(C + r * Math.cos(t))},${f(C + r * Math.sin(t))}`);
    }
  }
  return points.join(' ');
}

// Flat colours and plain shapes only: ImageMagick's built-in SVG renderer ignores gradients and arcs.
const BG = '#15384a';
const GEAR = '#f2a23a';
const STEEL = '#e9f3f5';
const gearPoints = gearPath(12, 290, 372);

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${S}" height="${S}" viewBox="0 0 ${S} ${S}" stroke="none">
  <rect x="64" y="64" width="896" height="896" rx="200" ry="200" fill="${BG}"/>
  <polygon points="${gearPoints}" fill="${GEAR}"/>
  <circle cx="${C}" cy="${C}" r="200" fill="${BG}"/>
  <rect x="150" y="${C - 34}" width="${S - 300}" height="68" rx="34" ry="34" fill="${STEEL}"/>
  <circle cx="${C}" cy="${C}" r="118" fill="${STEEL}"/>
  <circle cx="${C}" cy="${C}" r="54" fill="${BG}"/>
</svg>
`;

const svgPath = join(here, 'icon.svg');
writeFileSync(svgPath, svg);

const convert = process.env.CONVERT ?? 'convert';
const png = (size, out) =>
  execFileSync(convert, [
    '-background',
    'none',
    '-density',
    '96',
    svgPath,
    '-resize',
    `${size}x${size}`,
    `PNG32:${out}`,
  ]);

png(1024, join(here, 'icon.png'));
png(1024, join(here, '1024x1024.png'));
png(512, join(here, '512x512.png'));

// Windows: one .ico with the sizes Explorer and the taskbar ask for.
const tmp = join(here, '.sizes');
mkdirSync(tmp, { recursive: true });
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
for (const size of icoSizes) png(size, join(tmp, `${size}.png`));
execFileSync(convert, [...icoSizes.map((s) => join(tmp, `${s}.png`)), join(here, 'icon.ico')]);

// macOS: png2icns takes the sizes it knows (16, 32, 48, 128, 256, 512, 1024).
try {
  for (const size of [16, 32, 128, 256, 512]) png(size, join(tmp, `icns-${size}.png`));
  execFileSync('png2icns', [
    join(here, 'icon.icns'),
    ...[16, 32, 128, 256, 512].map((s) => join(tmp, `icns-${s}.png`)),
    join(here, 'icon.png'),
  ]);
} catch (err) {
  console.warn('png2icns failed; icon.icns not written:', err instanceof Error ? err.message : err);
}
rmSync(tmp, { recursive: true, force: true });
console.log('icons written to', here);
