//! Model provider calls per bot and minute: requests, errors, latencies.
