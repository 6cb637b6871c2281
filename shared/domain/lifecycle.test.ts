import { describe, expect, it } from 'vitest';
import { LeadStatus } from './lead.ts';
import { allows, checkFollowUps, heldStatuses, lifecycle, nextDueAt, statusAfter, type TransitionName } from './lifecycle.ts';

const names = Object.keys(lifecycle) as TransitionName[];

describe('the lead lifecycle table', () => {
  it('given the issue’s list of transitions, then each is in the table, named as the domain names it', () => {
    const required = ['offer', 'accept', 'pass', 'expire', 'remind', 'contacted', 'close', 'escalate', 'reassign', 'queue', 'open-to-team', 'claim', 'pull', 'assign', 'release', 'nurture', 'undeliverable'];
    expect(names).toEqual(expect.arrayContaining(required));
    expect(names).not.toContain('reject');
  });

  it('given every transition that frees a rep, then it starts from a held status and leaves the lead unheld', () => {
    for (const name of names.filter((n) => lifecycle[n].capacity === 'release')) {
      for (const from of lifecycle[name].from) {
        expect(heldStatuses, `${name} from ${from}`).toContain(from);
        expect(heldStatuses, `${name} to`).not.toContain(statusAfter(name, from));
      }
    }
  });

  it('given every transition that takes a rep’s capacity, then it leaves the lead held and starts a new attempt with a timer', () => {
    for (const name of names.filter((n) => lifecycle[n].capacity === 'take' || lifecycle[n].capacity === 'move')) {
      const transition = lifecycle[name];
      expect(heldStatuses, name).toContain(transition.to);
      expect(transition, name).toMatchObject({ newAttempt: true });
      expect(transition.followUps, name).toContain('sla-timer');
    }
  });

  it('given a lead sent back to routing, then routing and the freed slot’s queue drain are among its follow-ups', () => {
    for (const name of names.filter((n) => lifecycle[n].to === LeadStatus.received && lifecycle[n].capacity === 'release')) {
      expect(lifecycle[name].followUps, name).toEqual(expect.arrayContaining(['route', 'drain-team']));
    }
  });

  it('given a status, when asked what it allows, then the answer comes from the from-statuses', () => {
    expect(allows('accept', LeadStatus.offered)).toBe(true);
    expect(allows('accept', LeadStatus.accepted)).toBe(false);
    expect(allows('close', LeadStatus.contacted)).toBe(true);
    expect(allows('claim', LeadStatus.queued)).toBe(true);
    expect(allows('offer', LeadStatus.closed)).toBe(false);
    expect(statusAfter('remind', LeadStatus.accepted)).toBe(LeadStatus.accepted);
  });

  it('given a follow-up the table does not give a transition, when checked, then it is refused by name', () => {
    expect(() => checkFollowUps('accept', ['route'])).toThrow('The accept transition has no follow-up route');
    expect(() => checkFollowUps('pass', ['route', 'drain-team'])).not.toThrow();
  });
});

describe('when a lead is due for the sweeper', () => {
  const now = new Date('2026-03-02T10:00:00.000Z');
  const grace = 60_000;
  const lead = { contactDeadline: '2026-03-02T10:30:00.000Z', acceptDeadline: '2026-03-02T10:05:00.000Z' };

  it('given a lead waiting for routing, then it is due a grace period from now', () => {
    expect(nextDueAt({ ...lead, status: LeadStatus.received }, now, grace)).toBe('2026-03-02T10:01:00.000Z');
  });

  it('given an offer, then it is due a grace period after its accept window', () => {
    expect(nextDueAt({ ...lead, status: LeadStatus.offered }, now, grace)).toBe('2026-03-02T10:06:00.000Z');
  });

  it('given an accepted or queued lead, then it is due after its contact deadline until that deadline is escalated', () => {
    expect(nextDueAt({ ...lead, status: LeadStatus.accepted }, now, grace)).toBe('2026-03-02T10:31:00.000Z');
    expect(nextDueAt({ ...lead, status: LeadStatus.queued, escalatedDeadline: lead.contactDeadline }, now, grace)).toBeUndefined();
    expect(nextDueAt({ ...lead, status: LeadStatus.queued, escalatedDeadline: '2026-03-02T09:00:00.000Z' }, now, grace)).toBe('2026-03-02T10:31:00.000Z');
  });

  it('given a lead nobody owes anything, then it is never due', () => {
    for (const status of [LeadStatus.contacted, LeadStatus.closed, LeadStatus.nurture]) expect(nextDueAt({ ...lead, status }, now, grace)).toBeUndefined();
  });
});
