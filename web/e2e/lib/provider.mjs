// A local server that speaks the OpenAI API's documented error contract for a wrong key:
// every call is refused with 401 and OpenAI's error body. Browser tests point a bot's model
// at it to see the dashboard report a refused provider without reaching the internet.
import http from 'node:http';

/** Starts the refusing provider on 127.0.0.1; resolves to { baseUrl, host, requests, close }. */
export function startRefusingProvider() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body });
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        }),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        host: `127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/**
 * A vision-capable model server that follows the OpenAI chat-completions contract as Parley
 * uses it: structured answers (`response_format.json_schema`, named `parley_<kind>`) come
 * from `answers[kind]` as the message content, the "Test vision" probe (a describe task
 * with a question) is answered "Red.", and any other chat call gets a short text (streamed
 * when asked). Like Ollama, it refuses an image that is not a base64 data URL. Resolves to
 * { baseUrl, host, requests, answers, close }; `requests` holds each parsed body.
 */
export function startVisionProvider(answers = {}) {
  const requests = [];
  const reply = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        return reply(res, 400, { error: { message: 'invalid JSON', type: 'invalid_request_error', param: null, code: null } });
      }
      requests.push(body);
      if (!req.url.endsWith('/chat/completions')) return reply(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      const parts = (body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : []));
      for (const p of parts.filter((p) => p.type === 'image_url')) {
        const url = typeof p.image_url === 'string' ? p.image_url : p.image_url?.url;
        if (!/^data:image\/(jpeg|jpg|png|webp|gif);base64,/.test(url ?? '')) {
          return reply(res, 400, { error: { message: 'image URLs are not currently supported, please use base64 encoded data instead', type: 'invalid_request_error' } });
        }
      }
      const schema = body.response_format?.json_schema?.name ?? '';
      const kind = schema.replace(/^parley_/, '');
      let content;
      if (kind === 'describe' && JSON.stringify(body.messages).includes('What colour is the square')) {
        content = JSON.stringify({ description: 'A red square on white.', tags: ['square'], answer: 'Red.', confidence: 0.95 });
      } else if (kind && answers[kind]) {
        content = JSON.stringify(answers[kind]);
      } else if (kind) {
        return reply(res, 500, { error: { message: `no scripted ${kind} answer`, type: 'server_error' } });
      } else {
        content = 'Thanks, I will look into it.';
      }
      const model = body.model ?? 'eyes';
      if (body.stream) {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 } })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      reply(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 812, completion_tokens: 64, total_tokens: 876 },
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        host: `127.0.0.1:${port}`,
        requests,
        answers,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
