import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listModelFolders } from '../../src/editor/modelList';

test('the picker lists only subfolders that look like model folders, sorted', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'di-models-'));
  try {
    const make = (name: string, files: string[]) => {
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(root, name, f)), { recursive: true });
        fs.writeFileSync(path.join(root, name, f), '{}');
      }
    };
    make('zeta', ['config.json', 'onnx/model.onnx']);
    make('alpha', ['config.json', 'onnx/model_quantized.onnx']);
    make('no-onnx', ['config.json']);
    make('no-config', ['onnx/model.onnx']);
    fs.writeFileSync(path.join(root, 'a-file'), '');
    assert.deepEqual(listModelFolders(root).map((m) => m.name), ['alpha', 'zeta']);
    assert.deepEqual(listModelFolders(path.join(root, 'missing')), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
