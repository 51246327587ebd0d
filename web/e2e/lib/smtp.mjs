// A tiny SMTP server for browser tests (node `net`, no dependencies): it listens on
// 127.0.0.1:0, speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT in plain text, and keeps
// every message, so a test can point PARLEY_SMTP_URL at it and wait for an email.
//
//   const smtp = await startSmtpSink();
//   const server = await startServer({ env: { PARLEY_SMTP_URL: smtp.url } });
//   const mail = await smtp.waitFor((m) => m.to.includes('new@example.org'), 10_000);
//   await smtp.close();
import net from 'node:net';

/**
 * @returns {Promise<{ port: number, url: string,
 *   messages: Array<{from: string, to: string[], subject: string, text: string, messageId: string, raw: string}>,
 *   waitFor: (predicate: (m: object) => boolean, timeoutMs?: number) => Promise<object>,
 *   close: () => Promise<void> }>}
 */
export async function startSmtpSink() {
  const messages = [];
  const waiters = new Set();
  const sockets = new Set();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let data = [];
    let from = '';
    let to = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 sink.test ESMTP ready');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (inData) {
          if (line === '.') {
            inData = false;
            const message = parse(from, to, data.join('\n'));
            messages.push(message);
            for (const w of [...waiters]) w();
            reply('250 OK queued');
          } else {
            data.push(line.startsWith('.') ? line.slice(1) : line);
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith('EHLO')) {
          socket.write('250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        } else if (upper.startsWith('HELO')) {
          reply('250 sink.test');
        } else if (upper.startsWith('MAIL FROM:')) {
          from = address(line.slice(10));
          to = [];
          reply('250 OK');
        } else if (upper.startsWith('RCPT TO:')) {
          to.push(address(line.slice(8)));
          reply('250 OK');
        } else if (upper === 'DATA') {
          inData = true;
          data = [];
          reply('354 end with .');
        } else if (upper === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else if (upper === 'RSET' || upper === 'NOOP') {
          reply('250 OK');
        } else {
          reply('502 not implemented');
        }
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    port,
    url: `smtp://127.0.0.1:${port}?tls=none`,
    messages,
    /** Resolves with the first message (arrived or arriving) matching `predicate`. */
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching email within ${timeoutMs} ms; received ${JSON.stringify(messages.map((m) => ({ to: m.to, subject: m.subject })))}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function address(arg) {
  const m = /<([^>]*)>/.exec(arg);
  return (m ? m[1] : arg.trim().split(/\s+/)[0] || '').trim();
}

function parse(from, to, raw) {
  const split = raw.indexOf('\n\n');
  const head = split >= 0 ? raw.slice(0, split) : raw;
  const body = split >= 0 ? raw.slice(split + 2) : '';
  const unfolded = head.replace(/\n[ \t]/g, ' ');
  const header = (name) => {
    for (const line of unfolded.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0 && line.slice(0, i).toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
    }
    return '';
  };
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let text = body;
  if (encoding === 'quoted-printable') {
    const bytes = Buffer.from(
      body.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    text = bytes.toString('utf8');
  } else if (encoding === 'base64') {
    text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { from, to, subject: header('Subject'), messageId: header('Message-ID'), text: text.replace(/\s+$/, ''), raw };
}
