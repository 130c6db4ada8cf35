import { describe, expect, it } from 'vitest';
import { HaliteError } from '../errors.js';
import {
  badCredentialsHtml,
  clientDisabledHtml,
  internalErrorBody,
  unauthorizedHtml,
} from './__fixtures__/wire.js';
import { SaltAPIError, SaltAPIUnavailable, saltErrorMessage } from './errors.js';

describe('saltErrorMessage', () => {
  it('takes the first <p> of a short CherryPy error page', () => {
    expect(saltErrorMessage(unauthorizedHtml)).toBe('No permission -- see authorization schemes');
  });

  it('takes the first <p> of a full CherryPy error page, not its title or footer', () => {
    expect(saltErrorMessage(badCredentialsHtml)).toBe('Could not authenticate using provided credentials');
  });

  it('keeps the quotes of a disabled-client message', () => {
    expect(saltErrorMessage(clientDisabledHtml)).toBe(
      "Client disabled: 'local'. Add to 'netapi_enable_clients' master config option to enable.",
    );
  });

  it('decodes HTML entities and drops inner tags', () => {
    expect(saltErrorMessage('<p>Bad &lt;arg&gt; &amp; <b>worse</b> &#39;x&#x27;</p>')).toBe(
      "Bad <arg> & worse 'x'",
    );
  });

  it('reads the return string of the JSON body of a 500', () => {
    expect(saltErrorMessage(JSON.stringify(internalErrorBody))).toBe('An unexpected error occurred');
  });

  it('falls back to the <h2> when there is no <p>', () => {
    expect(saltErrorMessage('<h2>503 Service Unavailable</h2>')).toBe('503 Service Unavailable');
  });

  it('keeps a plain-text body as it is', () => {
    expect(saltErrorMessage('  Salt Master is not available.\n')).toBe('Salt Master is not available.');
  });

  it('answers an empty string for an empty body', () => {
    expect(saltErrorMessage('')).toBe('');
  });
});

describe('SaltAPIError', () => {
  it('is a HaliteError with code salt_error, the status and the server message', () => {
    const error = new SaltAPIError(401, 'No permission -- see authorization schemes');
    expect(error).toBeInstanceOf(HaliteError);
    expect(error.code).toBe('salt_error');
    expect(error.name).toBe('SaltAPIError');
    expect(error.status).toBe(401);
    expect(error.serverMessage).toBe('No permission -- see authorization schemes');
    expect(error.message).toBe('salt-api 401: No permission -- see authorization schemes');
    expect(error.details).toEqual({
      status: 401,
      serverMessage: 'No permission -- see authorization schemes',
    });
  });

  it('keeps at most 2000 characters of a huge traceback and 500 in its message', () => {
    const error = new SaltAPIError(500, 'x'.repeat(10_000));
    expect(error.serverMessage).toHaveLength(2000);
    expect(error.message).toHaveLength('salt-api 500: '.length + 500);
  });
});

describe('SaltAPIUnavailable', () => {
  it('is a HaliteError with code salt_unavailable that keeps its reason and cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const error = new SaltAPIUnavailable('cannot reach salt-api', { reason: 'connection_refused', cause });
    expect(error).toBeInstanceOf(HaliteError);
    expect(error.code).toBe('salt_unavailable');
    expect(error.reason).toBe('connection_refused');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ reason: 'connection_refused' });
  });

  it('defaults its reason to network', () => {
    expect(new SaltAPIUnavailable('lost').reason).toBe('network');
  });
});
