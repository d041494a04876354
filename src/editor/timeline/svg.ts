/**
 * Pictures as SVG. With a palette the file carries its own colours (export); without, shapes only
 * carry class names and the panel's stylesheet colours them from the theme. Pure.
 */
import type { Palette } from './palette';
import type { Picture, Shape } from './picture';

/** Escapes text for XML, dropping the control characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

function shapeSvg(shape: Shape): string {
  switch (shape.kind) {
    case 'rect': {
      const attrs = `x="${n(shape.x)}" y="${n(shape.y)}" width="${n(shape.w)}" height="${n(shape.h)}" class="${shape.cls}"`;
      return shape.title ? `<rect ${attrs}><title>${escapeXml(shape.title)}</title></rect>` : `<rect ${attrs}/>`;
    }
    case 'line':
      return `<polyline points="${shape.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" class="${shape.cls}"/>`;
    case 'text':
      return `<text x="${n(shape.x)}" y="${n(shape.y)}" class="${shape.cls}"${shape.anchor && shape.anchor !== 'start' ? ` text-anchor="${shape.anchor}"` : ''}>${escapeXml(shape.text)}</text>`;
  }
}

/** A stylesheet giving each class its palette colour (for a standalone file). */
export function paletteCss(p: Palette): string {
  return [
    `.masked{fill:${p.masked}}`,
    `.decoded{fill:${p.decoded}}`,
    `.remasked{fill:${p.remasked}}`,
    `.settled{fill:${p.settled}}`,
    `.skipped{fill:${p.skipped}}`,
    `.conf{fill:${p.settled}}`,
    `.conf-bg{fill:${p.masked};opacity:.35}`,
    `.bar-remask{fill:${p.remaskCurve}}`,
    `.axis{fill:none;stroke:${p.muted};stroke-width:1}`,
    `.curve-masked{fill:none;stroke:${p.maskedCurve};stroke-width:1.5}`,
    `text{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:10px;fill:${p.muted}}`,
    `.title{font-size:12px;fill:${p.foreground}}`,
  ].join('');
}

/** The picture as an SVG document (palette: self-contained colours) or element (no palette). */
export function pictureToSvg(picture: Picture, palette?: Palette): string {
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${picture.width}" height="${picture.height}" viewBox="0 0 ${picture.width} ${picture.height}" role="img">`;
  const parts = [head];
  if (palette) {
    parts.push(`<style>${paletteCss(palette)}</style>`);
    parts.push(`<rect x="0" y="0" width="${picture.width}" height="${picture.height}" fill="${palette.background}"/>`);
  }
  for (const shape of picture.shapes) parts.push(shapeSvg(shape));
  parts.push('</svg>');
  const svg = parts.join('\n');
  return palette ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : svg;
}
