// The pieces every form uses: a labelled field with its own error next to it, the form's error,
// and an action that tracks whether it runs and how it failed.
import { useCallback, useId, useState, type FormHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { asApiError, type ApiError } from '../api/errors';

export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setPending(true);
      setError(null);
      try {
        await action(...args);
      } catch (caught) {
        setError(asApiError(caught));
      } finally {
        setPending(false);
      }
    },
    [action],
  );
  return { run, pending, error, setError };
}

/**
 * A form that runs `action` when submitted (by button or Enter), instead of navigating. The API
 * validates; the browser's own validation bubbles would say less, and differently.
 */
export function ActionForm({ action, children, ...form }: { action: () => unknown } & Omit<FormHTMLAttributes<HTMLFormElement>, 'action' | 'onSubmit'>) {
  return (
    <form
      {...form}
      onSubmit={(event) => {
        event.preventDefault();
        void action();
      }}
      noValidate
    >
      {children}
    </form>
  );
}

interface FieldProps {
  label: string;
  /** The API's name for this field: its errors are shown here. */
  name: string;
  error?: ApiError | null;
  hint?: ReactNode;
}

function FieldFrame({ label, id, message, hint, children }: { label: string; id: string; message?: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <small className="hint">{hint}</small>}
      {message && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {message}
        </p>
      )}
    </div>
  );
}

export function TextField({ label, name, error, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const message = error?.field(name);
  return (
    <FieldFrame label={label} id={id} message={message} hint={hint}>
      <input id={id} name={name} aria-invalid={message ? true : undefined} aria-describedby={message ? `${id}-error` : undefined} {...input} />
    </FieldFrame>
  );
}

export function SelectField({
  label,
  name,
  error,
  hint,
  options,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (readonly [string, string])[] }) {
  const id = useId();
  const message = error?.field(name);
  return (
    <FieldFrame label={label} id={id} message={message} hint={hint}>
      <select id={id} name={name} aria-invalid={message ? true : undefined} aria-describedby={message ? `${id}-error` : undefined} {...select}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** The form's own error: the detail, and the messages of any field the form does not show. */
export function FormError({ error, fields = [] }: { error: ApiError | null; fields?: readonly string[] }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert">
      {error.summary(fields)}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}
