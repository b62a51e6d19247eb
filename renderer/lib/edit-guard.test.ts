import { describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../../test/support/renderer-api';
import { editGuard } from './edit-guard';

describe('editGuard', () => {
  it('passes a read no edit overtook', async () => {
    const guard = editGuard(() => {
      throw new Error('no reread expected');
    });
    expect(await guard.read(async () => 'record')).toBe('record');
  });

  it('drops a read an edit in flight overtook, and asks for a reread once the edit is through', async () => {
    const reread = vi.fn();
    const guard = editGuard(reread);
    const answer = heldAnswer<string>();
    const write = heldAnswer<string>();
    const reading = guard.read(() => answer.promise);
    const editing = guard.edit(() => write.promise);
    answer.release('as it was');
    expect(await reading).toBeNull();
    expect(reread).not.toHaveBeenCalled();
    write.release('saved');
    expect(await editing).toBe('saved');
    expect(reread).toHaveBeenCalledTimes(1);
  });

  it('reads again at once when the overtaking edit is already through', async () => {
    const reread = vi.fn();
    const guard = editGuard(reread);
    const first = heldAnswer<string>();
    const fetch = vi.fn().mockReturnValueOnce(first.promise).mockResolvedValueOnce('with the edit');
    const reading = guard.read(fetch);
    await guard.edit(async () => 'saved');
    first.release('as it was');
    expect(await reading).toBe('with the edit');
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(reread).not.toHaveBeenCalled();
  });

  it('asks for the reread even when the edit fails', async () => {
    const reread = vi.fn();
    const guard = editGuard(reread);
    const answer = heldAnswer<string>();
    let refuse: (error: Error) => void = () => {};
    const refused = new Promise<never>((_resolve, reject) => {
      refuse = reject;
    });
    const reading = guard.read(() => answer.promise);
    const editing = guard.edit(() => refused);
    answer.release('as it was');
    expect(await reading).toBeNull();
    refuse(new Error('refused'));
    await expect(editing).rejects.toThrow('refused');
    expect(reread).toHaveBeenCalledTimes(1);
  });
});
