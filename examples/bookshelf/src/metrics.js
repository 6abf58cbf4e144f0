"use strict";

// Prometheus metrics in the text exposition format, written by hand so the example needs no
// dependency: request counts by status code and a latency histogram whose buckets include the
// SLO's bound, which is what the generated alerts and dashboards read.

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const requests = new Map(); // status code -> count
const buckets = new Array(BUCKETS.length).fill(0);
let count = 0;
let sum = 0;

function observe(status, seconds) {
  requests.set(status, (requests.get(status) || 0) + 1);
  BUCKETS.forEach((bound, i) => {
    if (seconds <= bound) buckets[i] += 1;
  });
  count += 1;
  sum += seconds;
}

function exposition() {
  const lines = ["# TYPE http_requests_total counter"];
  for (const [status, n] of requests) lines.push(`http_requests_total{status="${status}"} ${n}`);
  lines.push("# TYPE http_request_duration_seconds histogram");
  BUCKETS.forEach((bound, i) => lines.push(`http_request_duration_seconds_bucket{le="${bound}"} ${buckets[i]}`));
  lines.push(`http_request_duration_seconds_bucket{le="+Inf"} ${count}`);
  lines.push(`http_request_duration_seconds_sum ${sum}`);
  lines.push(`http_request_duration_seconds_count ${count}`);
  return lines.join("\n") + "\n";
}

module.exports = { observe, exposition };
