import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../store/audit.js';
import { auditToCsv } from './service.js';

const entry: AuditEntry = {
  id: 7,
  at: '2025-06-15T12:00:00.000Z',
  userId: 'u1',
  username: 'alice',
  action: 'salt.run',
  resource: 'salt:cmd.run',
  args: { fun: 'cmd.run', arg: ['echo "hi", there'] },
  saltJid: '20250615120000000000',
  decision: 'allow',
  resultCode: 202,
  durationMs: 12,
  clientAddress: '2001:db8::7',
};

describe('auditToCsv', () => {
  it('writes a header and one CRLF-ended row per entry, quoting commas and quotes', () => {
    expect(auditToCsv([entry])).toBe(
      'id,at,user_id,username,action,resource,decision,result_code,salt_jid,duration_ms,client_address,args\r\n' +
        '7,2025-06-15T12:00:00.000Z,u1,alice,salt.run,salt:cmd.run,allow,202,20250615120000000000,12,2001:db8::7,' +
        '"{""fun"":""cmd.run"",""arg"":[""echo \\""hi\\"", there""]}"\r\n',
    );
  });

  it('writes empty cells for nulls', () => {
    const row = auditToCsv([
      { ...entry, userId: null, username: null, saltJid: null, args: null, clientAddress: null },
    ]).split('\r\n')[1];
    expect(row).toBe('7,2025-06-15T12:00:00.000Z,,,salt.run,salt:cmd.run,allow,202,,12,,');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const row = auditToCsv([{ ...entry, username: '=HYPERLINK("x")' }]).split('\r\n')[1];
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
