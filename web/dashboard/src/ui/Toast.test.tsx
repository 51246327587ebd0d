// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ToastProvider, useToast } from './Toast';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function Trigger({ onOpen }: { onOpen: () => void }) {
  const toast = useToast();
  return (
    <button type="button" onClick={() => toast('Sam wants a person', 'info', { action: { label: 'Open conversation', onClick: onOpen }, durationMs: 15_000 })}>
      show
    </button>
  );
}

describe('toast', () => {
  it('runs its action and goes away; stays as long as asked', () => {
    vi.useFakeTimers();
    const onOpen = vi.fn();
    render(
      <ToastProvider>
        <Trigger onOpen={onOpen} />
      </ToastProvider>,
    );
    fireEvent.click(screen.getByText('show'));
    act(() => void vi.advanceTimersByTime(14_000));
    expect(screen.getByText('Sam wants a person')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Open conversation' }));
    expect(onOpen).toHaveBeenCalledTimes(1);
    expect(screen.queryByText('Sam wants a person')).toBeNull();

    fireEvent.click(screen.getByText('show'));
    act(() => void vi.advanceTimersByTime(15_000));
    expect(screen.queryByText('Sam wants a person')).toBeNull();
  });
});
