/**
 * Checks an image before it is uploaded, so the visitor hears "too big" at once instead of
 * after a 5 MB upload. The server checks again (by magic bytes); this is for speed, not trust.
 */
import { strings } from './strings';

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/** The reason `file` can't be sent, or null when it can. */
export function imageProblem(file: { type: string; size: number }): string | null {
  if (!IMAGE_TYPES.includes(file.type)) return strings.imageType;
  if (file.size > MAX_IMAGE_BYTES) return strings.imageSize(MAX_IMAGE_BYTES / 1024 / 1024);
  return null;
}

/** The first file of a drop or paste, if there is one. */
export function firstFile(data: DataTransfer | null): File | null {
  return data?.files?.[0] ?? null;
}
