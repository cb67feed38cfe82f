// The job catalog's payload schemas: every job has one, and data that does not match it is
// refused with the job's name and the field, before it is queued or run.
import { describe, expect, it } from 'vitest';
import { JOBS } from './catalog.ts';
import { checkPayload } from './queue.ts';

const ID = '0193b2f0-5a1c-7b3e-8c4d-1234567890ab';

describe('the job catalog', () => {
  it('gives every job a payload schema and a unique name', () => {
    const jobs = Object.values(JOBS);
    for (const job of jobs) expect(job.payload, job.name).toMatchObject({ type: 'object' });
    expect(new Set(jobs.map((job) => job.name)).size).toBe(jobs.length);
  });

  it('takes a job’s data as stored, without undefined fields', () => {
    expect(checkPayload('channel-work', { channelId: ID })).toEqual({ channelId: ID });
    expect(checkPayload('source-ingest', { sourceId: ID, resync: undefined })).toEqual({ sourceId: ID });
    // Cron jobs are stored without data.
    expect(checkPayload('events-purge', null)).toEqual({});
  });

  it.each([
    ['a missing field', 'channel-unregister', {}, /'channel-unregister'.*removalId/],
    ['a field of the wrong type', 'source-ingest', { sourceId: ID, resync: 'yes' }, /\/resync/],
    ['an id that is not one', 'webhook-deliver', { webhookId: 'wh_1' }, /\/webhookId/],
    ['a field the job does not take', 'channel-work', { channelId: ID, extra: 1 }, /'channel-work'/],
    ['data for a job that takes none', 'channels-purge', { channelId: ID }, /'channels-purge'/],
  ])('refuses %s', (_name, job, data, message) => {
    expect(() => checkPayload(job, data)).toThrow(message);
  });

  it('refuses a job that is not in the catalog', () => {
    expect(() => checkPayload('no-such-job', {})).toThrow("There is no job 'no-such-job' in the catalog.");
  });
});
