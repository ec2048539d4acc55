/**
 * `.ci/debian-mirror` reads the system's own apt sources to find the mirror
 * that serves a release, so CI can add that release's backports suite without
 * naming any archive host itself.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const SCRIPT = join(import.meta.dirname, '..', '..', '.ci', 'debian-mirror');

function aptDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'autolr-apt-'));
  mkdirSync(join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function mirror(codename: string, dir: string): { status: number | null; stdout: string } {
  const r = spawnSync('bash', [SCRIPT, codename, dir], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout.trim() };
}

test('deb822 sources: the URI of the paragraph whose suites hold the release', () => {
  const dir = aptDir({
    'sources.list.d/debian.sources': [
      'Types: deb',
      'URIs: file:///srv/mirror-a/security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      '# a comment between paragraphs',
      'Types: deb-src deb',
      'URIs: file:///srv/mirror-a/main',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
    ].join('\n'),
  });
  assert.deepEqual(mirror('bookworm', dir), { status: 0, stdout: 'file:///srv/mirror-a/main' });
});

test('one-line sources, with options in brackets', () => {
  const dir = aptDir({ 'sources.list': 'deb-src file:///srv/mirror-src/main bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] file:///srv/mirror-c/main bookworm main contrib\n' });
  assert.deepEqual(mirror('bookworm', dir), { status: 0, stdout: 'file:///srv/mirror-c/main' });
});

test('disabled, source-only and other-release entries are passed over; none left is exit 1 with nothing printed', () => {
  const dir = aptDir({
    'sources.list.d/a.sources': 'Enabled: no\nTypes: deb\nURIs: file:///srv/mirror-off/main\nSuites: bookworm\n\nTypes: deb-src\nURIs: file:///srv/mirror-src/main\nSuites: bookworm\n',
    'sources.list.d/b.list': 'deb file:///srv/mirror-b/main trixie main\n',
  });
  assert.deepEqual(mirror('bookworm', dir), { status: 1, stdout: '' });
  assert.deepEqual(mirror('trixie', dir), { status: 0, stdout: 'file:///srv/mirror-b/main' });
});
