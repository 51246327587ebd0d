// Latency of the analytics page's API calls against a running Parley (loopback only): logs
// in, then times N sequential requests per call after 10 warm-up ones and prints p50/p99.
// Usage: node scripts/analytics-bench.mjs http://127.0.0.1:8080 admin@example.com PASSWORD [N]
const [base, email, password, n = '200'] = process.argv.slice(2);
if (!base || !email || !password) {
  console.error('usage: node scripts/analytics-bench.mjs BASE_URL EMAIL PASSWORD [REQUESTS]');
  process.exit(2);
}
if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base)) {
  console.error('loopback only: the base URL must be http://127.0.0.1[:port]');
  process.exit(2);
}

const login = await fetch(`${base}/api/v1/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email, password }),
});
if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);
const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

const DAY = 86_400_000;
const to = new Date(Math.floor(Date.now() / DAY) * DAY + DAY).toISOString();
const from = (days) => new Date(Date.parse(to) - days * DAY).toISOString();
const calls = [
  ['summary?compare=previous (30 days)', `summary?compare=previous&from=${from(30)}&to=${to}`],
  ['summary?compare=previous (90 days)', `summary?compare=previous&from=${from(90)}&to=${to}`],
  ['timeseries?metric=conversations (90 days)', `timeseries?metric=conversations&from=${from(90)}&to=${to}`],
  ['timeseries?metric=messages (90 days)', `timeseries?metric=messages&from=${from(90)}&to=${to}`],
  ['intents (90 days)', `intents?from=${from(90)}&to=${to}`],
  ['gaps (90 days)', `gaps?from=${from(90)}&to=${to}`],
  ['export.csv?table=daily (90 days)', `export.csv?table=daily&from=${from(90)}&to=${to}`],
];

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log('| call (period) | p50 ms | p99 ms |\n|---|---:|---:|');
for (const [label, path] of calls) {
  const url = `${base}/api/v1/analytics/${path}`;
  const times = [];
  for (let i = 0; i < Number(n) + 10; i++) {
    const start = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${label}: ${res.status}`);
    if (i >= 10) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`| \`${label}\` | ${pct(times, 50).toFixed(1)} | ${pct(times, 99).toFixed(1)} |`);
}
