import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { javaMajorVersion, MissingPrerequisite, requireJava } from './java.ts';

const dir = mkdtempSync(join(tmpdir(), 'java-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in `java` that prints what the given release prints for `java -version`. */
function fakeJava(versionLine: string): string {
  const path = join(dir, `java-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('the Java check before DynamoDB Local starts', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['no version here', undefined],
  ])('given `java -version` printing %j, when read, then the major version is %s', (line, major) => {
    expect(javaMajorVersion(line)).toBe(major);
  });

  it('given no java on the machine, when checked, then one line names the install command for Debian and macOS', () => {
    const check = () => requireJava(join(dir, 'no-such-java'));
    expect(check).toThrow(MissingPrerequisite);
    expect(check).toThrow(/needs Java 17\+ and none was found: install it with `sudo apt-get install -y openjdk-17-jre-headless` \(Debian\/Ubuntu\) or `brew install openjdk@17` \(macOS\)\.$/);
    try {
      check();
    } catch (error) {
      // No stack trace under the line.
      expect((error as Error).stack).toBe((error as Error).message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('given Java 8, when checked, then it is refused with the version it found', () => {
    expect(() => requireJava(fakeJava('java version "1.8.0_392"'))).toThrow(/needs Java 17\+ but .* is Java 8: install it with/);
  });

  it('given Java 17 or later, when checked, then it passes', () => {
    expect(() => requireJava(fakeJava('openjdk version "21.0.2" 2024-01-16'))).not.toThrow();
    expect(() => requireJava()).not.toThrow();
  });
});
