import './Spinner.css';
export function Spinner({ size = 16, className }: { size?: number; className?: string }) {
  return (
    <svg
      className={className ? `spinner ${className}` : 'spinner'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
    >
      <circle
        cx="12"
        cy="12"
        r="9"
        fill="none"
        stroke="currentColor"
        strokeOpacity="0.25"
        strokeWidth="2.5"
      />
      <path
        d="M21 12a9 9 0 0 0-9-9"
        fill="none"
        stroke="currentColor"
        strokeWidth="2.5"
        strokeLinecap="round"
      />
    </svg>
  );
}

/** A thin bar: `value` 0–1 for known progress; omit it for an indeterminate sweep. */
export function ProgressBar({ value, label }: { value?: number; label: string }) {
  const known = value !== undefined;
  return (
    <div
      className={known ? 'progress' : 'progress progress--indeterminate'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={known ? 0 : undefined}
      aria-valuemax={known ? 100 : undefined}
      aria-valuenow={known ? Math.round(value * 100) : undefined}
    >
      <div className="progress__bar" style={known ? { width: `${Math.max(2, value * 100)}%` } : undefined} />
    </div>
  );
}
