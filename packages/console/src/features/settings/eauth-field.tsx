import { EAUTH_OPTIONS, type Eauth } from './salt-connection';

/** The salt-api eauth backend picker, as the Settings and first-run setup forms show it. */
export function EauthField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: Eauth | undefined;
  onChange: (eauth: Eauth) => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>eauth</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Eauth)}>
        {EAUTH_OPTIONS.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}
