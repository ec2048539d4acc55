/**
 * Campaign folders are shared, and everything in hof.json that reaches an
 * exported module's header (campaign name, entry id, task and metric names,
 * scores) is text from outside. Hostile values must stay inside their comment
 * line in every target format: checked on the generated text, and by running
 * an exported Python module from a tampered folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRule } from '../../src/grammar/parser.js';
import { commentText, type ExportInfo } from '../../src/export/header.js';
import { EXPORT_TARGETS } from '../../src/export/targets.js';
import { cli } from '../helpers/cli.js';
import { pythonSkipReason } from '../helpers/python.js';

/** Each carries PWNED after a character that could end a comment line, or is otherwise hostile to generated code. */
const PAYLOADS = [
  'x\nimport os; os.system("touch PWNED")',
  'x\u2028globalThis.PWNED = 1',
  'x\u2029PWNED',
  'x\r\nPWNED',
  'x\rPWNED',
  '*/ PWNED() /*',
  '"\'`${PWNED}',
  'x\u0085PWNED\u000bPWNED\u000cPWNED',
];

/** A JS/TS source's lines as the language splits them; Python's. */
const jsLines = (code: string): string[] => code.split(/\r\n|[\n\r\u2028\u2029]/);
const pyLines = (code: string): string[] => code.split(/\r\n|[\n\r]/);

test('commentText leaves no line terminator of either language, no control character and no */', () => {
  for (const p of PAYLOADS) {
    const t = commentText(p);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    assert.doesNotMatch(t, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    assert.ok(!t.includes('*/'));
  }
  assert.equal(commentText('plain text, 0.95'), 'plain text, 0.95');
});

for (const target of EXPORT_TARGETS) {
  test(`${target.format} ${target.variant} export: hostile campaign fields stay inside the header's comment lines`, () => {
    const rule = parseRule(target.variant === 'dlr' ? 'epoch: lr0 * pow(0.9, epoch)' : 'alpha: 0.9 * alpha + grad; update: lr * alpha', target.variant);
    for (const payload of PAYLOADS) {
      const info: ExportInfo = {
        text: target.variant === 'dlr' ? 'epoch: lr0 * pow(0.9, epoch)' : 'alpha: 0.9 * alpha + grad; update: lr * alpha',
        campaign: payload,
        id: payload,
        rank: 1,
        combined: payload as unknown as number,
        scores: { [payload]: payload as unknown as number },
        test: { [payload]: { mean: payload as unknown as number, sd: 0, metric: payload } },
      };
      const code = target.generate(rule, info, { lr0: 0.001 });
      const lines = target.format === 'py' ? pyLines(code) : jsLines(code);
      const prefix = target.format === 'py' ? '#' : '//';
      for (const [i, line] of lines.entries()) {
        if (line.includes('PWNED')) {
          assert.ok(line.startsWith(prefix), `${target.format}/${target.variant}: line ${i + 1} carries the payload outside a comment: ${JSON.stringify(line)}`);
        }
      }
      assert.ok(!code.includes('*/ PWNED'), 'a block-comment closer is escaped');
    }
  });
}

test('a module exported from a tampered campaign folder imports in Python without running the injected code', { skip: pythonSkipReason() ?? false }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'autolr-hostile-'));
  const folder = join(work, 'campaign');
  cpSync(join(import.meta.dirname, '..', '..', 'examples', 'runs', 'dlr-mnist-mlp'), folder, { recursive: true });
  const hofPath = join(folder, 'hof.json');
  const hof = JSON.parse(readFileSync(hofPath, 'utf8')) as { campaign: string; hallOfFame: Array<{ id: string; scores: Record<string, number> }> };
  const proof = join(work, 'pwned');
  const payload = `x\nopen(${JSON.stringify(proof)}, "w").write("1")\n#`;
  hof.campaign = payload;
  const top = hof.hallOfFame[0] as { id: string; scores: Record<string, number> };
  top.scores = { [payload]: 0.9 };
  writeFileSync(hofPath, JSON.stringify(hof));
  const out = join(work, 'schedule_mod.py');
  const r = await cli('export', folder, '--format', 'py', '-o', out);
  assert.equal(r.code, 0, r.err);
  const run = spawnSync('python3', ['-c', 'import schedule_mod'], { cwd: work, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(existsSync(proof), false, 'the injected line did not run');
});
