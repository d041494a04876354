// The Refinement Timeline webview: draws the grids the extension sends, and sends back which step
// to show. Built with DOM calls only (the page's CSP allows no inline script or style markup).
// @ts-check
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const runA = /** @type {HTMLSelectElement} */ ($('run-a'));
  const runB = /** @type {HTMLSelectElement} */ ($('run-b'));
  const slider = /** @type {HTMLInputElement} */ ($('step'));
  const stepLabel = $('step-label');
  const runsEl = $('runs');
  const STATE_NAMES = { m: 'masked', d: 'decoded this step', r: 'remasked this step', s: 'settled' };
  const CLASS = { m: 'masked', d: 'decoded', r: 'remasked', s: 'settled' };

  /** @type {{ a?: any, b?: any, runs: any[] }} */
  let model = { runs: [] };
  /** The step scrubbed to; 0: follow the last step (where the slider starts). */
  let step = (vscode.getState() && vscode.getState().step) || 0;
  /** The column the keyboard cursor is on, per grid. */
  let column = 0;

  const shown = (p) => (p === undefined ? '' : ` · p=${p >= 0.01 || p === 0 ? p.toFixed(2) : p.toExponential(0)}`);
  const visible = (t) => JSON.stringify(t.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥'));

  function option(value, label) {
    const o = document.createElement('option');
    o.value = String(value);
    o.textContent = label;
    return o;
  }

  function fillSelects() {
    runA.replaceChildren(...model.runs.map((r) => option(r.id, r.title)).reverse());
    runB.replaceChildren(option('', '(none)'), ...model.runs.map((r) => option(r.id, r.title)).reverse());
    if (model.a) runA.value = String(model.a.id);
    runB.value = model.b ? String(model.b.id) : '';
  }

  function cellTitle(grid, stepNo, hole, col, row) {
    const state = row.s[col];
    if (state === 'm') return `step ${stepNo} · hole ${hole + 1} · #${col + 1} · (mask)`;
    return `step ${stepNo} · hole ${hole + 1} · #${col + 1} · ${visible(row.t[col])} · ${STATE_NAMES[state] || ''}${state === 'r' ? '' : shown(row.p[col])}`;
  }

  function renderGrid(grid, role) {
    const wrap = document.createElement('section');
    wrap.className = 'run';
    wrap.dataset.run = String(grid.id);
    const title = document.createElement('h2');
    title.textContent = grid.title;
    const note = document.createElement('p');
    note.className = 'note';
    const parts = [`${grid.steps} steps × ${grid.columns.join(' + ')} positions`];
    if (grid.skipped.length) parts.push(`${grid.skipped.length} step(s) not recorded: a run this long keeps only some of its steps (memory bound)`);
    if (grid.status !== 'done') parts.push(grid.status + (grid.note ? ` (${grid.note})` : ''));
    note.textContent = parts.join(' · ');

    const gridEl = document.createElement('div');
    gridEl.className = 'grid';
    gridEl.tabIndex = 0;
    gridEl.setAttribute('role', 'grid');
    gridEl.setAttribute('aria-label', `Steps of run ${grid.id}: arrow keys move, Home and End jump`);
    gridEl.dataset.role = role;
    const frag = document.createDocumentFragment();
    // A missing row is either left out by the memory bound (skipped) or not run yet (pending).
    const skipped = new Set(grid.skipped);
    grid.rows.forEach((holes, i) => {
      const stepNo = i + 1;
      const missing = skipped.has(stepNo) ? 'skipped' : 'pending';
      const rowEl = document.createElement('div');
      rowEl.className = 'row' + (holes ? '' : ' ' + missing);
      rowEl.setAttribute('role', 'row');
      rowEl.dataset.step = String(stepNo);
      const label = document.createElement('span');
      label.className = 'step-label';
      label.textContent = stepNo === 1 || stepNo === grid.steps || stepNo % 10 === 0 ? String(stepNo) : '';
      rowEl.appendChild(label);
      if (!holes) rowEl.title = missing === 'skipped' ? `step ${stepNo}: not recorded (memory bound)` : `step ${stepNo}: not run`;
      grid.columns.forEach((count, h) => {
        if (h > 0) {
          const gap = document.createElement('span');
          gap.className = 'gap';
          rowEl.appendChild(gap);
        }
        const row = holes && holes[h];
        for (let c = 0; c < count; c++) {
          const cell = document.createElement('span');
          cell.setAttribute('role', 'gridcell');
          const state = row ? row.s[c] : undefined;
          cell.className = 'cell ' + (row ? CLASS[state] || 'empty' : missing);
          cell.dataset.hole = String(h);
          cell.dataset.col = String(c);
          if (row && state) cell.title = cellTitle(grid, stepNo, h, c, row);
          rowEl.appendChild(cell);
        }
      });
      rowEl.addEventListener('click', () => scrub(stepNo, true));
      frag.appendChild(rowEl);
    });
    gridEl.appendChild(frag);
    gridEl.addEventListener('keydown', onGridKey);

    // Final confidence: a bar per position.
    const conf = document.createElement('div');
    conf.className = 'conf-row';
    conf.setAttribute('aria-label', 'confidence of each final token');
    const confLabel = document.createElement('span');
    confLabel.className = 'step-label';
    confLabel.textContent = 'p';
    conf.appendChild(confLabel);
    const last = lastRecorded(grid);
    grid.columns.forEach((count, h) => {
      if (h > 0) conf.appendChild(Object.assign(document.createElement('span'), { className: 'gap' }));
      const row = last && last[h];
      for (let c = 0; c < count; c++) {
        const cell = document.createElement('span');
        cell.className = 'conf-cell';
        const bar = document.createElement('span');
        bar.className = 'conf-bar';
        const p = row && row.s[c] !== 'm' && row.s[c] !== 'r' ? row.p[c] : 0;
        bar.style.height = `${Math.round(Math.max(0, Math.min(1, p || 0)) * 100)}%`;
        if (row && row.s[c]) cell.title = `final #${c + 1} ${visible(row.t[c] || '')}${shown(row.p[c])}`;
        cell.appendChild(bar);
        conf.appendChild(cell);
      }
    });

    const curve = document.createElement('div');
    curve.className = 'curve';
    curve.setAttribute('aria-label', 'masked tokens and remask events per step');
    // Built by the extension with every text XML-escaped; no script or style inside.
    curve.innerHTML = grid.curveSvg;

    const strip = document.createElement('pre');
    strip.className = 'text-strip';
    strip.dataset.run = String(grid.id);
    const info = document.createElement('p');
    info.className = 'cell-info note';
    info.setAttribute('aria-live', 'polite');

    wrap.append(title, note, gridEl, conf, strip, info, curve);
    return wrap;
  }

  function lastRecorded(grid) {
    for (let i = grid.rows.length - 1; i >= 0; i--) if (grid.rows[i]) return grid.rows[i];
    return undefined;
  }

  function render() {
    const focused = document.activeElement && document.activeElement.classList.contains('grid') ? document.activeElement.dataset.role : undefined;
    $('empty').hidden = !!model.a;
    fillSelects();
    const sections = [];
    if (model.a) sections.push(renderGrid(model.a, 'a'));
    if (model.b) sections.push(renderGrid(model.b, 'b'));
    runsEl.replaceChildren(...sections);
    runsEl.classList.toggle('compare', sections.length > 1);
    const steps = Math.max(model.a ? model.a.steps : 1, model.b ? model.b.steps : 1);
    slider.max = String(steps);
    if (step > 0) step = Math.min(step, steps);
    slider.value = String(current());
    highlight();
    if (focused) {
      const again = runsEl.querySelector(`.grid[data-role="${focused}"]`);
      if (again) /** @type {HTMLElement} */ (again).focus();
    }
  }

  /** The step on show: the one scrubbed to, else the last. */
  function current() {
    return step || Number(slider.max) || 1;
  }

  function highlight() {
    const step = current();
    stepLabel.textContent = model.a ? `${step} / ${slider.max}` : '–';
    for (const row of runsEl.querySelectorAll('.row.current')) row.classList.remove('current');
    for (const cell of runsEl.querySelectorAll('.cell.cursor')) cell.classList.remove('cursor');
    for (const grid of runsEl.querySelectorAll('.grid')) {
      const row = grid.querySelector(`.row[data-step="${step}"]`);
      if (!row) continue;
      row.classList.add('current');
      row.setAttribute('aria-selected', 'true');
      const cells = row.querySelectorAll('.cell');
      const cell = cells[Math.min(column, cells.length - 1)];
      if (cell) cell.classList.add('cursor');
      const info = grid.parentElement && grid.parentElement.querySelector('.cell-info');
      if (info && cell && document.activeElement === grid) info.textContent = cell.title || `step ${step}`;
      if (document.activeElement === grid) row.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Moves to a step; `send`: ask the extension to show it in the editor. */
  function scrub(next, send) {
    const max = Number(slider.max) || 1;
    step = Math.min(Math.max(1, Math.round(next)), max);
    slider.value = String(step);
    vscode.setState({ step });
    highlight();
    if (send) vscode.postMessage({ type: 'scrub', step });
  }

  function onGridKey(event) {
    const width = Math.max(1, event.currentTarget.querySelectorAll('.row')[0]?.querySelectorAll('.cell').length || 1);
    const moves = {
      ArrowUp: () => scrub(current() - 1, true),
      ArrowDown: () => scrub(current() + 1, true),
      PageUp: () => scrub(current() - 10, true),
      PageDown: () => scrub(current() + 10, true),
      Home: () => scrub(1, true),
      End: () => scrub(Number(slider.max), true),
      ArrowLeft: () => {
        column = Math.max(0, column - 1);
        highlight();
      },
      ArrowRight: () => {
        column = Math.min(width - 1, column + 1);
        highlight();
      },
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  }

  function showStep(payload) {
    step = payload.step;
    slider.value = String(step);
    highlight();
    for (const s of payload.shown) {
      const strip = runsEl.querySelector(`.text-strip[data-run="${s.id}"]`);
      if (!strip) continue;
      const prefix = s.shownStep === payload.step ? `step ${s.shownStep}` : s.shownStep === 0 ? `step ${payload.step} (not recorded; nothing decoded before it)` : `step ${payload.step} (not recorded; showing step ${s.shownStep})`;
      strip.textContent = `${prefix}:\n${s.texts.join('\n┈┈┈\n')}`;
    }
    $('preview-note').textContent = payload.previewNote;
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (!message || typeof message !== 'object') return;
    if (message.type === 'runs') {
      // Another run on show: follow its last step again.
      if ((message.a && message.a.id) !== (model.a && model.a.id)) {
        step = 0;
        vscode.setState({ step });
      }
      model = message;
      render();
    } else if (message.type === 'step') {
      showStep(message.payload);
    }
  });

  slider.addEventListener('input', () => scrub(Number(slider.value), true));
  const select = () => vscode.postMessage({ type: 'select', a: Number(runA.value), b: runB.value ? Number(runB.value) : null });
  runA.addEventListener('change', select);
  runB.addEventListener('change', select);
  $('export-svg').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'svg' }));
  $('export-png').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'png' }));
  vscode.postMessage({ type: 'ready' });
})();
