import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { TimelineRecorder, type TimelineRun } from '../../src/editor/timeline/model';
import { PALETTES, parseHex } from '../../src/editor/timeline/palette';
import { timelinePicture } from '../../src/editor/timeline/picture';
import { crc32, pictureToPng } from '../../src/editor/timeline/png';
import { escapeXml, pictureToSvg } from '../../src/editor/timeline/svg';
import { contentSecurityPolicy, makeNonce, timelineHtml } from '../../src/editor/timeline/html';
import { D, M, META, STEPS, recordedRun } from './timeline-fixtures';

/** Checks that every tag closes in order (a small stand-in for an XML parser). */
function assertBalanced(xml: string): void {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed elements');
}

test('SVG export: a cell per recorded token, skipped rows marked, self-contained colours', () => {
  const { run } = recordedRun([1, 3, 4]);
  const svg = pictureToSvg(timelinePicture([run]), PALETTES.dark);
  assertBalanced(svg);
  assert.ok(svg.startsWith('<?xml'));
  const cells = [...svg.matchAll(/class="(masked|decoded|remasked|settled)"/g)].map((m) => m[1]);
  assert.equal(cells.length, 9, 'three recorded steps × three positions');
  assert.deepEqual(cells.slice(3, 6), ['decoded', 'settled', 'remasked']);
  assert.equal([...svg.matchAll(/class="skipped"/g)].length, 1, 'step 2 was not recorded');
  assert.match(svg, /1 step\(s\) not recorded \(memory bound\)/);
  assert.ok(svg.includes(`.decoded{fill:${PALETTES.dark.decoded}}`));
  assert.match(svg, /<title>step 3 · hole 1 · #1 · &quot;c&quot; · decoded this step · p=0\.70<\/title>/);
  // The masked curve breaks at the unrecorded step instead of drawing through it.
  assert.equal([...svg.matchAll(/class="curve-masked"/g)].length, 2);
});

test('SVG export of a run still going: the steps not run yet are blank, not marked as skipped', () => {
  const recorder = new TimelineRecorder();
  const run = recorder.begin(11, META);
  for (const s of [1, 2]) recorder.record(run, s, 4, STEPS[s - 1]);
  const svg = pictureToSvg(timelinePicture([run]), PALETTES.dark);
  assert.equal([...svg.matchAll(/class="skipped"/g)].length, 0);
  assert.doesNotMatch(svg, /not recorded/);
  assert.equal([...svg.matchAll(/class="(masked|decoded|remasked|settled)"/g)].length, 6, 'two steps × three positions');
});

test('SVG export escapes token text and drops characters XML forbids', () => {
  assert.equal(escapeXml(`a<b>&"c'\u0001`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  const recorder = new TimelineRecorder();
  const run = recorder.begin(1, { ...META, steps: 1, document: '<x>.py' });
  recorder.record(run, 1, 1, [[D('</title><script>'), D('\u0000\n'), M()]]);
  const svg = pictureToSvg(timelinePicture([run]), PALETTES.light);
  assertBalanced(svg);
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('&lt;/title&gt;&lt;script&gt;'));
  assert.ok(svg.includes('&lt;x&gt;.py'));
  assert.ok(!svg.includes('\u0000'));
});

test('comparing: two runs side by side are wider than one, each with its own title', () => {
  const { recorder, run: a } = recordedRun();
  const b = recorder.begin(12, { ...META, strategy: 'mdlm' });
  const one = timelinePicture([a]);
  const two = timelinePicture([a, b]);
  assert.ok(two.width > one.width * 1.8, `${two.width} vs ${one.width}`);
  const titles = two.shapes.filter((s) => s.kind === 'text' && s.cls === 'title');
  assert.equal(titles.length, 2);
  assert.match((titles[1] as { text: string }).text, /mdlm/);
});

/** Reads a PNG's chunks (checking each CRC), returns its size and RGB rows. */
function decodePng(png: Buffer): { width: number; height: number; pixel(x: number, y: number): [number, number, number] } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8);
      assert.equal(data[9], 2);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, (width * 3 + 1) * height);
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      return [raw[i], raw[i + 1], raw[i + 2]];
    },
  };
}

test('PNG export: valid chunks, the picture size at scale 2, cells in their state colours', () => {
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
  const { run } = recordedRun();
  const picture = timelinePicture([run]);
  const png = decodePng(pictureToPng(picture, PALETTES.light, 2));
  assert.equal(png.width, picture.width * 2);
  assert.equal(png.height, picture.height * 2);
  const centre = (cls: string, n: number) => {
    const cells = picture.shapes.filter((s) => s.kind === 'rect' && s.cls === cls) as { x: number; y: number; w: number; h: number }[];
    const c = cells[n];
    return png.pixel(Math.floor((c.x + c.w / 2) * 2), Math.floor((c.y + c.h / 2) * 2));
  };
  assert.deepEqual(centre('decoded', 0), parseHex(PALETTES.light.decoded));
  assert.deepEqual(centre('masked', 0), parseHex(PALETTES.light.masked));
  assert.deepEqual(centre('remasked', 0), parseHex(PALETTES.light.remasked));
  assert.deepEqual(png.pixel(0, 0), parseHex(PALETTES.light.background));
});

test('the webview page: strict CSP with a nonce, no inline code, nothing remote', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
  assert.notEqual(makeNonce(), nonce);
  const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', nonce);
  assert.match(csp, /default-src 'none'/);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
  const html = timelineHtml({ cspSource: 'vscode-webview://x', script: 'vscode-webview://x/media/timeline.js', style: 'vscode-webview://x/media/timeline.css' }, nonce);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0][1].includes(`nonce="${nonce}"`));
  assert.equal(scripts[0][2].trim(), '', 'no inline script');
  assert.ok(!/<style|style="/.test(html), 'no inline style');
  assert.ok(!/https?:\/\//.test(html), 'no remote resource');
  assert.ok(html.includes(`script-src 'nonce-${nonce}'`));
});

test('a large run (512 steps x 400 tokens) makes one picture: its shapes are not spread into a call', () => {
  // Built directly: the recorder keeps fewer views (MAX_VIEWS_PER_RUN), the picture must not depend on it.
  const steps = 512;
  const row = [Array.from({ length: 400 }, (_, i) => D(String(i % 10)))];
  const run: TimelineRun = { id: 1, requestId: 1, meta: { ...META, steps, holeLengths: [400] }, frames: new Array(steps).fill(row), status: 'done' };
  const picture = timelinePicture([run]);
  assert.ok(picture.shapes.length > steps * 400, `${picture.shapes.length} shapes`);
});
