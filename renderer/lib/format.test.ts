import { describe, expect, it } from 'vitest';
import { formatShortDate } from './format';

describe('formatShortDate', () => {
  const now = new Date(2026, 11, 6, 12, 0).getTime();

  it('gives the day and time within this year, and the day and year before it', () => {
    const thisYear = formatShortDate(new Date(2026, 0, 23, 8, 47).getTime(), now);
    expect(thisYear).toMatch(/23/);
    expect(thisYear).toMatch(/47/);
    expect(thisYear).not.toMatch(/2026/);
    const earlier = formatShortDate(new Date(2024, 0, 23, 8, 47).getTime(), now);
    expect(earlier).toMatch(/2024/);
    expect(earlier).not.toMatch(/47/);
  });

  it('says — for no date', () => {
    expect(formatShortDate(null, now)).toBe('—');
  });
});
