// The CLI's standard streams as a careless or hostile user meets them: slow and large pipes, files,
// a terminal, a closed or full output, CRLF and non-UTF-8 input, hostile model folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliScript, copyModel, removeDir } from '../worker/fixtures';

const fast = `--steps 4 --provider cpu --threads 1 --seed 1`;
const cli = `'${process.execPath}' '${cliScript}' ${fast}`;

function bash(script: string, input?: string | Buffer) {
  const r = spawnSync('bash', ['-c', script], { input, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-streams-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('standard input from a slow pipe, a pipe past 64 KB, and a file', () => {
  const slow = bash(`(sleep 1; printf 'x = [MASK:3]\\n') | ${cli}`);
  assert.equal(slow.code, 0, slow.stderr);
  assert.match(slow.stdout, /^x = .*\n$/s);
  const big = path.join(tmp, 'big.py');
  const context = '# context line\n'.repeat(20_000); // 300 kB
  fs.writeFileSync(big, `${context}x = [MASK:3]\n`);
  const piped = bash(`(sleep 1; cat '${big}') | ${cli}`);
  assert.equal(piped.code, 0, piped.stderr);
  assert.ok(piped.stdout.startsWith(context), 'context changed');
  const file = bash(`${cli} < '${big}'`);
  assert.equal(file.code, 0, file.stderr);
  assert.ok(file.stdout.startsWith(context), 'context changed');
});

test('standard input from a terminal is read until Ctrl-D', () => {
  // A pseudo-terminal from Python's pty module: type the text, then end of file.
  const py = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
time.sleep(0.5)
os.write(fd, b'x = [MASK:2]\\n')
time.sleep(0.2)
os.write(fd, b'\\x04')
out = b''
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const r = spawnSync('python3', ['-c', py, process.execPath, cliScript, ...fast.split(' ')], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /reading TEXT from the terminal/);
  assert.match(r.stdout, /x = .+/);
});

test('a closed output pipe ends quietly; a full disk is one line and exit 1', () => {
  const closed = bash(`${cli} 'x = [MASK:3]' | true; echo "exit=\${PIPESTATUS[0]}" >&2`);
  assert.match(closed.stderr, /^exit=0\n$/, closed.stderr);
  const full = bash(`${cli} 'x = [MASK:3]' > /dev/full`);
  assert.equal(full.code, 1, full.stderr);
  assert.match(full.stderr, /^diffusion-infill: standard output: ENOSPC/);
  assert.equal(full.stderr.trim().split('\n').length, 1, full.stderr);
});

test('CRLF input: the fill is in CRLF too, the context byte for byte', () => {
  const input = 'a = 1\r\nb = [MASK:12]\r\nc = 2\r\n';
  const r = bash(`${cli} --json`, input);
  assert.equal(r.code, 0, r.stderr);
  const { text, holes } = JSON.parse(r.stdout).samples[0];
  assert.equal(text, `a = 1\r\nb = ${holes[0]}\r\nc = 2\r\n`);
  assert.doesNotMatch(text, /[^\r]\n/, 'a bare LF in CRLF output');
});

test('input that is not UTF-8 is refused naming the byte offset; nothing is rewritten', () => {
  const r = bash(cli, Buffer.concat([Buffer.from('x = [MASK:2] # caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'diffusion-infill: standard input: not UTF-8: byte 0xe9 at offset 18 does not start a whole character\n');
});

test('hostile model folders: /dev/zero as config.json, a FIFO as tokenizer.json', () => {
  const dir = copyModel();
  try {
    fs.rmSync(path.join(dir, 'config.json'));
    fs.symlinkSync('/dev/zero', path.join(dir, 'config.json'));
    const zero = bash(`${cli} --model '${dir}' 'x = [MASK:2]'`);
    assert.equal(zero.code, 1, zero.stderr);
    assert.match(zero.stderr, /^diffusion-infill: .*config\.json is not a regular file\n$/);
  } finally {
    removeDir(dir);
  }
  const fifo = copyModel();
  try {
    fs.rmSync(path.join(fifo, 'tokenizer.json'));
    spawnSync('mkfifo', [path.join(fifo, 'tokenizer.json')]);
    const r = bash(`${cli} --model '${fifo}' 'x = [MASK:2]'`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^diffusion-infill: .*tokenizer\.json is not a regular file\n$/);
  } finally {
    removeDir(fifo);
  }
});
