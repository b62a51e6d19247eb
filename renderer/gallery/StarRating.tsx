import { useId } from 'react';
import { Icon } from '../components';
import './stars.css';

/** 1–5 stars as native radios; choosing the current rating again clears it. */
export function StarRating({
  value,
  label,
  onChange,
}: {
  value: number;
  label: string;
  onChange: (rating: number) => void;
}) {
  const name = useId();
  return (
    <div className="stars" role="radiogroup" aria-label={label}>
      {[1, 2, 3, 4, 5].map((star) => (
        <label
          key={star}
          className={star <= value ? 'stars__star is-on' : 'stars__star'}
          title={value === star ? 'Click again to clear' : `Rate ${star} of 5`}
        >
          <input
            type="radio"
            className="stars__input"
            name={name}
            value={star}
            checked={value === star}
            aria-label={`${star} ${star === 1 ? 'star' : 'stars'}`}
            onChange={() => onChange(star)}
            onClick={() => {
              if (value === star) onChange(0);
            }}
          />
          <Icon name="star" size={16} />
        </label>
      ))}
    </div>
  );
}
