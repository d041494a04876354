/**
 * Pictures as PNG, rasterised here (the extension host has no canvas): rectangles and lines are
 * drawn, labels are not (the SVG export has them). The encoder writes 8-bit RGB, filter 0, one
 * zlib stream. Pure apart from node's zlib.
 */
import { deflateSync } from 'node:zlib';
import { parseHex, type Palette } from './palette';
import type { Picture } from './picture';

type Rgba = [number, number, number, number];

/** The fill (or stroke, for lines) of a class; undefined: not drawn. */
export function classColour(p: Palette, cls: string): Rgba | undefined {
  const solid = (hex: string, alpha = 1): Rgba => [...parseHex(hex), alpha];
  switch (cls) {
    case 'masked':
    case 'decoded':
    case 'remasked':
    case 'settled':
    case 'skipped':
      return solid(p[cls]);
    case 'conf':
      return solid(p.settled);
    case 'conf-bg':
      return solid(p.masked, 0.35);
    case 'bar-remask':
      return solid(p.remaskCurve);
    case 'axis':
      return solid(p.muted);
    case 'curve-masked':
      return solid(p.maskedCurve);
    default:
      return undefined;
  }
}

export class Raster {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: [number, number, number],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.pixels.set(background, i * 3);
  }

  plot(x: number, y: number, [r, g, b, a]: Rgba): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    const px = this.pixels;
    px[i] = Math.round(px[i] * (1 - a) + r * a);
    px[i + 1] = Math.round(px[i + 1] * (1 - a) + g * a);
    px[i + 2] = Math.round(px[i + 2] * (1 - a) + b * a);
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Rgba): void {
    const x0 = Math.round(x);
    const y0 = Math.round(y);
    const x1 = Math.max(x0 + 1, Math.round(x + w));
    const y1 = Math.max(y0 + 1, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.plot(xx, yy, colour);
  }

  /** A line `thickness` pixels wide (square pen), by stepping along its longer axis. */
  line(ax: number, ay: number, bx: number, by: number, colour: Rgba, thickness: number): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay))));
    const half = Math.floor((thickness - 1) / 2);
    const seen = new Set<number>();
    for (let i = 0; i <= steps; i++) {
      const x = Math.round(ax + ((bx - ax) * i) / steps);
      const y = Math.round(ay + ((by - ay) * i) / steps);
      for (let dy = -half; dy < thickness - half; dy++) {
        for (let dx = -half; dx < thickness - half; dx++) {
          const key = (y + dy) * this.width + (x + dx);
          if (seen.has(key)) continue; // no double blending where segments overlap
          seen.add(key);
          this.plot(x + dx, y + dy, colour);
        }
      }
    }
  }
}

/** Draws a picture at `scale` pixels per unit. */
export function rasterise(picture: Picture, palette: Palette, scale = 2): Raster {
  const raster = new Raster(Math.ceil(picture.width * scale), Math.ceil(picture.height * scale), parseHex(palette.background));
  for (const shape of picture.shapes) {
    if (shape.kind === 'text') continue;
    const colour = classColour(palette, shape.cls);
    if (!colour) continue;
    if (shape.kind === 'rect') {
      raster.fillRect(shape.x * scale, shape.y * scale, shape.w * scale, shape.h * scale, colour);
    } else {
      const thickness = Math.max(1, Math.round((shape.cls === 'curve-masked' ? 1.5 : 1) * scale));
      for (let i = 1; i < shape.points.length; i++) {
        const [ax, ay] = shape.points[i - 1];
        const [bx, by] = shape.points[i];
        raster.line(ax * scale, ay * scale, bx * scale, by * scale, colour, thickness);
      }
    }
  }
  return raster;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), Buffer.from(data)]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** RGB pixels → a PNG file. */
export function encodePng(raster: Raster): Buffer {
  const { width, height, pixels } = raster;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  // compression, filter method and interlace stay 0
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 3 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * width * 3, width * 3).copy(rows, y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

export function pictureToPng(picture: Picture, palette: Palette, scale = 2): Buffer {
  return encodePng(rasterise(picture, palette, scale));
}
