import { describe, expect, it } from 'vitest';
import { parseMinionSearch } from './minion-search';

describe('parseMinionSearch', () => {
  it('takes plain words as an id or IP substring', () => {
    expect(parseMinionSearch('web-01')).toEqual({
      text: 'web-01',
      os: [],
      os_family: [],
      saltversion: [],
      grain: [],
    });
    expect(parseMinionSearch('  10.0.3 ')).toMatchObject({ text: '10.0.3' });
  });

  it('turns field:value words into grain filters', () => {
    expect(parseMinionSearch('db os:Ubuntu family:Debian saltversion:3007.1')).toEqual({
      text: 'db',
      os: ['Ubuntu'],
      os_family: ['Debian'],
      saltversion: ['3007.1'],
      grain: [],
    });
    expect(parseMinionSearch('os:"Rocky Linux" os:Ubuntu').os).toEqual(['Rocky Linux', 'Ubuntu']);
  });

  it('turns grain:key:value and G@key:value words into grain targets', () => {
    expect(parseMinionSearch('web grain:ipv4:10.0.0.* G@ip_interfaces:eth0:fe80::1')).toEqual({
      text: 'web',
      os: [],
      os_family: [],
      saltversion: [],
      grain: ['ipv4:10.0.0.*', 'ip_interfaces:eth0:fe80::1'],
    });
    expect(parseMinionSearch('Grain:"osfullname:Rocky Linux" G@"roles:web server"').grain).toEqual([
      'osfullname:Rocky Linux',
      'roles:web server',
    ]);
    expect(parseMinionSearch('g@virtual:kvm').grain).toEqual(['virtual:kvm']);
  });

  it('keeps a grain word that is not a target yet as text, and at most 8 targets', () => {
    expect(parseMinionSearch('grain:os')).toMatchObject({ text: 'grain:os', grain: [] });
    expect(parseMinionSearch('G@:Debian G@*:kvm')).toMatchObject({ text: 'G@:Debian G@*:kvm', grain: [] });
    const many = parseMinionSearch(Array.from({ length: 9 }, (_, i) => `G@n:${i}`).join(' '));
    expect(many.grain).toHaveLength(8);
    expect(many.text).toBe('G@n:8');
  });

  it('keeps an unknown field or an IPv6-looking word as text', () => {
    expect(parseMinionSearch('kernel:Linux').text).toBe('kernel:Linux');
    expect(parseMinionSearch('fe80::1').text).toBe('fe80::1');
  });

  it('reads one word ending in * as the start of the id, Salt glob style', () => {
    expect(parseMinionSearch('lb-49*')).toEqual({
      text: '',
      id_prefix: 'lb-49',
      os: [],
      os_family: [],
      saltversion: [],
      grain: [],
    });
    expect(parseMinionSearch('web* os:Ubuntu db*')).toMatchObject({
      id_prefix: 'web',
      text: 'db*',
      os: ['Ubuntu'],
    });
    // Other globs are not a prefix: they stay text.
    expect(parseMinionSearch('w?b*').id_prefix).toBeUndefined();
    expect(parseMinionSearch('*').id_prefix).toBeUndefined();
    expect(parseMinionSearch('web*01').id_prefix).toBeUndefined();
  });
});
