import { describe, expect, it } from 'vitest';
import { formatWaiting, ratingText, sentimentLabelOf, stars, visitorLabel, visitorSecondary } from './labels';

describe('visitor identity', () => {
  it('shows the name, else the email, else "Anonymous visitor"', () => {
    expect(visitorLabel({ visitor_name: 'Sam Lee', visitor_email: 'sam@example.com' })).toBe('Sam Lee');
    expect(visitorLabel({ visitor_name: '  ', visitor_email: 'sam@example.com' })).toBe('sam@example.com');
    expect(visitorLabel({ visitor_name: null, visitor_email: null })).toBe('Anonymous visitor');
    expect(visitorLabel({})).toBe('Anonymous visitor');
    expect(visitorSecondary({ visitor_name: 'Sam Lee', visitor_email: 'sam@example.com' })).toBe('sam@example.com');
    expect(visitorSecondary({ visitor_name: null, visitor_email: 'sam@example.com' })).toBeNull();
  });
});

describe('waiting time', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  const MIN = 60_000;

  it('reads in minutes, hours and days', () => {
    expect(formatWaiting(ago(20_000), now)).toBe('waiting under 1 min');
    expect(formatWaiting(ago(MIN), now)).toBe('waiting 1 min');
    expect(formatWaiting(ago(4 * MIN + 59_000), now)).toBe('waiting 4 min');
    expect(formatWaiting(ago(59 * MIN), now)).toBe('waiting 59 min');
    expect(formatWaiting(ago(60 * MIN), now)).toBe('waiting 1 h');
    expect(formatWaiting(ago(125 * MIN), now)).toBe('waiting 2 h 5 min');
    expect(formatWaiting(ago(24 * 60 * MIN), now)).toBe('waiting 1 day');
    expect(formatWaiting(ago(3 * 24 * 60 * MIN + 5 * MIN), now)).toBe('waiting 3 days');
  });

  it('is nothing when not waiting, and never negative for a clock a little ahead', () => {
    expect(formatWaiting(null, now)).toBeNull();
    expect(formatWaiting('not a time', now)).toBeNull();
    expect(formatWaiting(new Date(now + 5000).toISOString(), now)).toBe('waiting under 1 min');
  });
});

describe('sentiment and rating', () => {
  it("prefers the server's label, else reads the score", () => {
    expect(sentimentLabelOf({ sentiment: -0.2, sentiment_label: 'neutral' })).toBe('neutral');
    expect(sentimentLabelOf({ sentiment: -0.2, sentiment_label: null })).toBe('negative');
    expect(sentimentLabelOf({ sentiment: null, sentiment_label: null })).toBeNull();
  });

  it('shows 1-5 stars', () => {
    expect(stars(4)).toBe('★★★★☆');
    expect(stars(1)).toBe('★☆☆☆☆');
    expect(ratingText(5)).toBe('Rated 5 out of 5');
  });
});
