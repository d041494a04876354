/**
 * Puts the provider libraries from a verified package beside ONNX Runtime's native binding, where
 * it loads them. Everything is extracted into a staging folder inside the target first (same file
 * system, so the final step is a rename per file); a failure removes what this run put there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extractEntry, listZip } from './zip';

export async function placeLibraries(archive: string, wanted: { library: string; entry: string }[], targetDir: string): Promise<string[]> {
  const entries = await listZip(archive);
  const found = wanted.map((w) => ({ ...w, zip: entries.find((e) => e.name === w.entry) }));
  const absent = found.filter((f) => !f.zip).map((f) => f.entry);
  if (absent.length) throw new Error(`the package has no ${absent.join(', ')}`);
  const staging = path.join(targetDir, `.cuda-setup-${crypto.randomBytes(6).toString('hex')}`);
  await fs.promises.mkdir(staging);
  const placed: string[] = [];
  try {
    for (const f of found) await extractEntry(archive, f.zip!, path.join(staging, f.library));
    for (const f of found) {
      const destination = path.join(targetDir, f.library);
      await fs.promises.chmod(path.join(staging, f.library), 0o755);
      await fs.promises.rename(path.join(staging, f.library), destination);
      placed.push(destination);
    }
    return placed;
  } catch (error) {
    await Promise.all(placed.map((p) => fs.promises.rm(p, { force: true })));
    throw error;
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}
