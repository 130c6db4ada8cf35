import { describe, expect, it } from 'vitest';
import { rebaseForm } from './server-form';

describe('rebaseForm', () => {
  it('follows the server where the user changed nothing', () => {
    expect(rebaseForm({ a: '1', on: false }, { a: '2', on: true }, { a: '1', on: false })).toEqual({
      a: '2',
      on: true,
    });
  });

  it("keeps the user's edits when another save refetches the settings", () => {
    // The event stream box was ticked, then the pollers card's save refetched the settings.
    expect(rebaseForm({ keys: '60', on: false }, { keys: '2', on: false }, { keys: '60', on: true })).toEqual(
      {
        keys: '2',
        on: true,
      },
    );
  });

  it('keeps an edit even when the server moves under it', () => {
    expect(rebaseForm({ a: '1' }, { a: '5' }, { a: '9' })).toEqual({ a: '9' });
  });
});
