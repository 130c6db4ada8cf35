import { describe, expect, it } from 'vitest';
import { jobStarter } from './job-user';

describe('jobStarter', () => {
  it('names the Halite user of a run through Halite, with Salt’s user in the hover text', () => {
    expect(jobStarter({ user: 'saltapi', initiator: 'alice' })).toEqual({
      label: 'alice',
      viaHalite: true,
      title: "Started through Halite by alice; Salt's user: saltapi",
    });
  });

  it('names Salt’s user for a job started elsewhere', () => {
    expect(jobStarter({ user: 'root', initiator: null })).toEqual({
      label: 'root',
      viaHalite: false,
      title: "Started outside Halite; Salt's user: root",
    });
  });

  it('shows a dash when Salt recorded no user either, and ignores an empty initiator', () => {
    expect(jobStarter({ user: '', initiator: null })).toMatchObject({ label: '—', viaHalite: false });
    expect(jobStarter({ user: 'root', initiator: '' })).toMatchObject({ label: 'root', viaHalite: false });
  });
});
