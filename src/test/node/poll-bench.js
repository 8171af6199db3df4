// Load of aria2 front-ends on a JSON-RPC endpoint, from its own process, for JsonRpcBench.
//   node poll-bench.js poll <url> <token> <seconds> <workers>   AriaNg's poll, as fast as it goes
//   node poll-bench.js add  <url> <token> <count> <workers>     addUri of paused downloads
// Prints one JSON line: {calls, seconds, perSecond, p50, p99} (latencies in ms, per call).
"use strict";
const [mode, url, token, amount, workers] = process.argv.slice(2);
const KEYS = ["gid", "totalLength", "completedLength", "uploadSpeed", "downloadSpeed", "connections", "numSeeders", "seeder",
  "status", "errorCode", "verifiedLength", "verifyIntegrityPending", "files", "bittorrent", "infoHash"];
const POLL = [["aria2.getGlobalStat"], ["aria2.tellActive", KEYS], ["aria2.tellWaiting", 0, 1000, KEYS],
  ["aria2.tellStopped", -1, 1000, KEYS]];
const latencies = [];
let id = 0;

async function call(method, ...params) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: String(++id), method, params: ["token:" + token, ...params] });
  const t0 = process.hrtime.bigint();
  const res = await fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" } });
  const reply = await res.json();
  latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (reply.error) throw new Error(method + ": " + reply.error.message);
  return reply.result;
}

(async () => {
  const t0 = Date.now();
  let n = 0;
  if (mode === "poll") {
    const until = t0 + Number(amount) * 1000;
    await Promise.all(Array.from({ length: Number(workers) }, async () => {
      while (Date.now() < until) {
        for (const [m, ...p] of POLL) { await call(m, ...p); n++; }
      }
    }));
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: Number(workers) }, async () => {
      while (next < Number(amount)) {
        const i = next++;
        await call("aria2.addUri", ["http://127.0.0.1:9/bench-" + i], { pause: "true", out: "bench-" + i + ".bin" });
        n++;
      }
    }));
  }
  const seconds = (Date.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(JSON.stringify({ calls: n, seconds, perSecond: n / seconds, p50: q(0.5), p99: q(0.99) }));
})().catch((err) => { console.log(JSON.stringify({ error: String(err.message || err) })); process.exit(1); });
