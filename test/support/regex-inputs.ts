/**
 * Every string a regular expression was run on while `act` ran: exec, test, match, replace and
 * split all go through RegExp.prototype.exec once it is replaced. A check that must not hand a
 * pattern some input (one too long to be what it checks) asserts on these instead of on time.
 */
export async function regexInputsDuring(act: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const original = RegExp.prototype.exec;
  RegExp.prototype.exec = function exec(this: RegExp, input: string) {
    seen.push(String(input));
    return original.call(this, input);
  };
  try {
    await act();
  } finally {
    RegExp.prototype.exec = original;
  }
  return seen;
}
