import './Meter.css';
/**
 * How much of an allowance or budget is used: a native <meter>, drawn as a thin bar that turns amber
 * near the limit and red at it. Without a limit there is nothing to measure against: no bar at all.
 */
export function Meter({
  value,
  max,
  label,
  valueText,
  className,
}: {
  value: number;
  /** null: no limit set, so only the amount is shown beside it. */
  max: number | null;
  /** The accessible name ("OpenAI spend today"). */
  label: string;
  /** How a screen reader reads the value ("$0.42 of $5.00"). */
  valueText: string;
  className?: string;
}) {
  if (max === null || max <= 0) return null;
  return (
    <meter
      className={`meter${className ? ` ${className}` : ''}`}
      aria-label={label}
      aria-valuetext={valueText}
      min={0}
      max={max}
      low={max * 0.8}
      high={max * 0.999}
      optimum={0}
      value={Math.min(value, max)}
    />
  );
}
