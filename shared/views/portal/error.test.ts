import { describe, expect, it } from 'vitest';
import { portalErrorPage } from './error.ts';
import { structured } from './test-fixtures.ts';

describe('errors', () => {
  it('given a status and message, when the error page is rendered, then it has that status, the message escaped and no navigation', () => {
    const result = structured(portalErrorPage(400, 'The form has expired; please try again'));
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('The form has expired; please try again');
    expect(result.body).not.toContain('<nav');
    expect(structured(portalErrorPage(404, 'No such lead')).statusCode).toBe(404);
  });
});
