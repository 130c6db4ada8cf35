import { describe, expect, it } from 'vitest';
import { parseMinionSearch } from './minion-search';

describe('parseMinionSearch', () => {
  it('takes plain words as an id or IP substring', () => {
    expect(parseMinionSearch('web-01')).toEqual({ text: 'web-01', os: [], os_family: [], saltversion: [] });
    expect(parseMinionSearch('  10.0.3 ')).toMatchObject({ text: '10.0.3' });
  });

  it('turns field:value words into grain filters', () => {
    expect(parseMinionSearch('db os:Ubuntu family:Debian saltversion:3007.1')).toEqual({
      text: 'db',
      os: ['Ubuntu'],
      os_family: ['Debian'],
      saltversion: ['3007.1'],
    });
    expect(parseMinionSearch('os:"Rocky Linux" os:Ubuntu').os).toEqual(['Rocky Linux', 'Ubuntu']);
  });

  it('keeps an unknown field or an IPv6-looking word as text', () => {
    expect(parseMinionSearch('kernel:Linux').text).toBe('kernel:Linux');
    expect(parseMinionSearch('fe80::1').text).toBe('fe80::1');
  });
});
