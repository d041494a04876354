/**
 * The timeline webview's page: no inline script or style, everything from media/ under a strict
 * Content-Security-Policy (scripts only with this page's nonce, nothing remote). Pure.
 */
import { randomBytes } from 'node:crypto';

export interface PageUris {
  /** The webview's `cspSource` (the origin its local resources are served from). */
  cspSource: string;
  script: string;
  style: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function timelineHtml(uris: PageUris, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(uris.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(uris.style)}">
<title>Refinement Timeline</title>
</head>
<body>
<header class="toolbar">
  <label>Run <select id="run-a" aria-label="Run"></select></label>
  <label>Compare with <select id="run-b" aria-label="Compare with"><option value="">(none)</option></select></label>
  <span class="spacer"></span>
  <button id="export-svg" type="button" title="Save the picture as SVG">Export SVG</button>
  <button id="export-png" type="button" title="Save the picture as PNG">Export PNG</button>
</header>
<section class="scrubber">
  <label for="step">Step <output id="step-label">–</output></label>
  <input id="step" type="range" min="1" max="1" value="1" aria-label="Step">
  <p id="preview-note" class="note" aria-live="polite"></p>
</section>
<p id="empty" class="note">No run recorded yet: run an infill command, then its steps appear here.</p>
<main id="runs" class="runs"></main>
<footer class="legend" aria-hidden="true">
  <span class="swatch masked"></span>masked
  <span class="swatch decoded"></span>decoded this step
  <span class="swatch remasked"></span>remasked this step
  <span class="swatch settled"></span>settled
  <span class="swatch skipped"></span>not recorded
  <span class="swatch p"></span>p: the probability the model gave a token when it was decoded (the bar under the grid, at the step shown)
</footer>
<script nonce="${attr(nonce)}" src="${attr(uris.script)}"></script>
</body>
</html>`;
}
