/** Who the console says started a job, from its `user` (Salt's) and `initiator` (Halite's). */
export interface JobStarter {
  /** The name to show: the Halite user for a run through Halite, else the user Salt records. */
  label: string;
  /** Whether the job was started through Halite (then `label` is the Halite user). */
  viaHalite: boolean;
  /** A hover text naming both users. */
  title: string;
}

/**
 * Who started a job, as the job tables show it. A job run through Halite is recorded by Salt
 * under the salt-api account Halite logs in as, so the Halite user (`initiator`) is the one worth
 * showing; jobs started elsewhere only have Salt's user.
 */
export function jobStarter(job: { user: string; initiator: string | null }): JobStarter {
  const salt = job.user || 'no user';
  if (job.initiator) {
    return {
      label: job.initiator,
      viaHalite: true,
      title: `Started through Halite by ${job.initiator}; Salt's user: ${salt}`,
    };
  }
  return { label: job.user || '—', viaHalite: false, title: `Started outside Halite; Salt's user: ${salt}` };
}
