import { describe, expect, it } from 'vitest';
import { deriveRepId, validateRepRows } from './import-reps.ts';

const teams = ['dach-sales', 'uk-sales'];
const row = (extra: Record<string, unknown> = {}) => ({ name: 'Ana Souza', email: 'Ana@Demo.example.com', teamId: 'dach-sales', capacity: 5, ...extra });

describe('validating imported rep rows', () => {
  it('given a row without an id, when validated, then the id is derived from the email, the same way every time', () => {
    const [result] = validateRepRows([row()], teams);

    expect(result).toMatchObject({ index: 0, idGiven: false, rep: { id: deriveRepId('ana@demo.example.com'), email: 'ana@demo.example.com' } });
    expect(deriveRepId('ANA@demo.example.com ')).toBe(deriveRepId('ana@demo.example.com'));
    expect(deriveRepId('ana@other.example.com')).not.toBe(deriveRepId('ana@demo.example.com'));
    expect(deriveRepId('ana@demo.example.com')).toMatch(/^ana-[0-9a-f]{6}$/);
  });

  it('given working hours as text, when validated, then they become the profile structure', () => {
    const [result] = validateRepRows([row({ workingHours: 'sat-sun 10:00-14:00' })], teams);

    expect(result).toMatchObject({ rep: { workingHours: { sat: [['10:00', '14:00']], sun: [['10:00', '14:00']] } } });
  });

  it('given bad fields, when validated, then every problem is named by its field', () => {
    const [result] = validateRepRows(
      [row({ id: 'has space', teamId: 'mars', capacity: -1, languages: ['german'], timeZone: 'Mars/Olympus', workingHours: 'weekdays 9-5', role: 'boss' })],
      teams,
    );

    expect(result).toMatchObject({ status: 'invalid' });
    const fields = 'errors' in result! ? result.errors!.map((problem) => problem.field) : [];
    expect(fields.sort()).toEqual(['capacity', 'id', 'languages.0', 'role', 'teamId', 'timeZone', 'workingHours']);
  });

  it('given an admin maximum and a disabled flag, when validated, then both are kept; a capacity above the maximum is refused naming it', () => {
    const [kept, above] = validateRepRows([row({ maxCapacity: 8, disabled: true }), row({ email: 'ben@demo.example.com', capacity: 9, maxCapacity: 8 })], teams);

    expect(kept).toMatchObject({ rep: { capacity: 5, maxCapacity: 8, disabled: true } });
    expect(above).toEqual({ index: 1, status: 'invalid', errors: [{ field: 'capacity', message: 'must be at most the maxCapacity of 8' }] });
  });

  it('given a row repeating an earlier row of the same import, when validated, then the repeat is invalid and the first stands', () => {
    const results = validateRepRows([row({ id: 'ana' }), row({ id: 'ana', email: 'other@demo.example.com' }), row({ id: 'ana2' })], teams);

    expect(results[0]).toMatchObject({ rep: { id: 'ana' } });
    expect(results[1]).toEqual({ index: 1, repId: 'ana', status: 'invalid', errors: [{ field: 'id', message: 'same id as an earlier row of this import (ana)' }] });
    expect(results[2]).toMatchObject({ status: 'invalid', errors: [{ field: 'email', message: 'same email as an earlier row of this import' }] });
  });
});
