import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, loadStackConfigs, stackId, stacksDir } from '#infra/app.ts';
import { loadStackConfig, parseStackConfig, StackConfigError } from '#shared/config/stack-config.ts';
import { cdkJsonContext, repoRoot } from './support.ts';

const demoFile = `${repoRoot}infra/stacks/demo.json`;
/** A fresh, valid raw config each call, so a test can break one field without touching others. */
function validRaw(): Record<string, any> {
  return JSON.parse(readFileSync(demoFile, 'utf8'));
}

function errorOf(act: () => unknown): StackConfigError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return error as StackConfigError;
  }
  throw new Error('expected a StackConfigError, nothing was thrown');
}

const tempDir = mkdtempSync(join(tmpdir(), 'lead-router-stack-config-'));
afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

describe('given the stack configs shipped in infra/stacks', () => {
  it('when the app is built from that directory then every file synthesizes to its own stack', () => {
    const files = readdirSync(stacksDir).filter((file) => file.endsWith('.json'));

    const { app, stacks } = buildApp({ bundle: false, context: cdkJsonContext() });
    const assembly = app.synth();

    expect(files.length).toBeGreaterThan(0);
    expect(stacks.map((stack) => stack.stackName)).toEqual(loadStackConfigs().map(stackId));
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual(stacks.map((stack) => stack.stackName).sort());
  });
});

describe('stack config validation', () => {
  const source = 'infra/stacks/acme-west.json';
  const cases: { given: string; raw: () => unknown; line: string | RegExp }[] = [
    {
      given: 'a region that is not an AWS region',
      raw: () => ({ ...validRaw(), region: 'Ireland' }),
      line: `${source}: region: an AWS region such as eu-west-1`,
    },
    {
      given: 'two teams with the same id',
      raw: () => {
        const raw = validRaw();
        raw.routing.teams.push({ ...raw.routing.teams[0], name: 'Sales again' });
        return raw;
      },
      line: `${source}: routing.teams.5.id: duplicate team id "dach-sales"`,
    },
    {
      given: 'a default team that is not one of the teams',
      raw: () => ({ ...validRaw(), routing: { ...validRaw().routing, defaultTeam: 'marketing' } }),
      line: `${source}: routing.defaultTeam: no team with id "marketing"`,
    },
    {
      given: 'a manager email that is not an email address',
      raw: () => {
        const raw = validRaw();
        raw.routing.teams[0].managerEmail = 'sales manager';
        return raw;
      },
      line: new RegExp(`^${source}: routing\\.teams\\.0\\.managerEmail: .*email`, 'im'),
    },
  ];

  for (const { given, raw, line } of cases) {
    it(`given ${given}, when it is parsed, then a StackConfigError names the file, the path and the reason`, () => {
      const error = errorOf(() => parseStackConfig(source, raw()));

      if (typeof line === 'string') expect(error.message.split('\n')).toContain(line);
      else expect(error.message).toMatch(line);
    });
  }

  it('given several mistakes, when it is parsed, then each is reported on its own line', () => {
    const error = errorOf(() => parseStackConfig(source, { ...validRaw(), region: 'Ireland', emailFrom: 'nobody' }));

    const lines = error.message.split('\n').filter((line) => line.startsWith(`${source}: `));
    expect(lines.map((line) => line.split(': ')[1]).sort()).toEqual(['emailFrom', 'region']);
  });

  it('given a file with broken JSON, when it is loaded, then a StackConfigError names the file and the parse error', () => {
    const file = join(tempDir, 'broken.json');
    writeFileSync(file, '{ "name": "broken", ');

    const error = errorOf(() => loadStackConfig(file));

    expect(error.message).toMatch(new RegExp(`^${file}: cannot read JSON: .+`));
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('given a directory with one valid and one invalid file, when configs are loaded, then the error names the invalid file and path', () => {
    const dir = mkdtempSync(join(tempDir, 'stacks-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify(validRaw()));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...validRaw(), name: 'bad', routing: { ...validRaw().routing, defaultTeam: 'nobody' } }));

    const error = errorOf(() => loadStackConfigs(dir));

    expect(error.message).toContain(`${join(dir, 'bad.json')}: routing.defaultTeam: no team with id "nobody"`);
    expect(error.message).not.toContain('good.json');
  });
});

describe('a stack config naming a territories file', () => {
  /** A config of plain teams only (the demo's franchisees would clash with the file's). */
  const withTerritories = (territoriesFile: string, name: string) => {
    const raw = validRaw();
    raw.name = name;
    raw.routing.teams = raw.routing.teams.filter((team: { kind?: string }) => team.kind !== 'franchisee');
    raw.routing.rules = raw.routing.rules.filter((rule: { team: string }) => raw.routing.teams.some((team: { id: string }) => team.id === rule.team));
    raw.routing.territoriesFile = territoriesFile;
    return raw;
  };
  const header = 'franchisee,name,managerEmail,country,region,postalPrefix';

  it('given a valid file next to it, when configs are loaded, then it loads, and its franchisees are not in the template\'s teams', () => {
    const dir = mkdtempSync(join(tempDir, 'territories-'));
    writeFileSync(join(dir, 'west.csv'), [header, 'west-solar,West Solar,owner@west.example.com,DE,,10'].join('\n'));
    writeFileSync(join(dir, 'franchise.json'), JSON.stringify(withTerritories('west.csv', 'franchise')));

    const [config] = loadStackConfigs(dir);

    expect(config!.routing.territoriesFile).toBe('west.csv');
    expect(config!.routing.teams.map((team) => team.id)).not.toContain('west-solar');
  });

  it('given a file with overlapping rows, when configs are loaded (as synth does), then the error names the file and both rows', () => {
    const dir = mkdtempSync(join(tempDir, 'territories-'));
    writeFileSync(join(dir, 'west.csv'), [header, 'west-solar,West Solar,owner@west.example.com,DE,,10', 'east-solar,East Solar,owner@east.example.com,DE,,10'].join('\n'));
    writeFileSync(join(dir, 'franchise.json'), JSON.stringify(withTerritories('west.csv', 'franchise')));

    const error = errorOf(() => loadStackConfigs(dir));

    expect(error.message).toContain(`${join(dir, 'west.csv')}: row 3`);
    expect(error.message).toMatch(/west-solar.*row 2/);
  });

  it('given a missing file, or franchisees also listed in teams, when loaded, then each is refused with the reason', () => {
    const dir = mkdtempSync(join(tempDir, 'territories-'));
    writeFileSync(join(dir, 'franchise.json'), JSON.stringify(withTerritories('nowhere.csv', 'franchise')));
    expect(errorOf(() => loadStackConfigs(dir)).message).toMatch(/routing\.territoriesFile: cannot read .*nowhere\.csv/);

    const both = validRaw();
    both.routing.territoriesFile = 'west.csv';
    const error = errorOf(() => parseStackConfig('both.json', both));
    expect(error.message).toMatch(/franchisees come from territoriesFile "west.csv"/);
  });
});
