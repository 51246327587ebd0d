import { ApiError, errorFromResponse } from './errors';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadRequest<T> {
  promise: Promise<T>;
  abort: () => void;
}

export interface PostFileOptions {
  url: string;
  field: string;
  file: File;
  /** Text parts sent with the file (before it, so the server reads them first). */
  fields?: Record<string, string>;
  headers?: Record<string, string>;
  onProgress?: (progress: UploadProgress) => void;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The multipart body: the text `fields`, then the file under `field`. */
export function uploadForm(field: string, file: File, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(field, file, file.name);
  return form;
}

/**
 * POSTs one file as multipart/form-data with XMLHttpRequest, which (unlike
 * fetch) reports upload progress. Resolves with the parsed JSON of a 2xx answer;
 * rejects with an ApiError otherwise, like the fetch-based client.
 */
export function postFile<T>({ url, field, file, fields, headers = {}, onProgress }: PostFileOptions): UploadRequest<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', url);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.({ loaded: file.size, total: file.size });
        resolve(body as T);
        return;
      }
      const retryAfter = xhr.getResponseHeader('Retry-After');
      const response = new Response(null, {
        status: xhr.status >= 200 && xhr.status <= 599 ? xhr.status : 500,
        headers: retryAfter ? { 'Retry-After': retryAfter } : {},
      });
      reject(errorFromResponse(response, body));
    };
    xhr.onerror = () =>
      reject(new ApiError({ status: 0, code: 'network_error', message: 'The upload failed: the server could not be reached.' }));
    xhr.onabort = () => reject(new ApiError({ status: 0, code: 'aborted', message: 'Upload cancelled.' }));
    xhr.send(uploadForm(field, file, fields));
  });
  return { promise, abort: () => xhr.abort() };
}
