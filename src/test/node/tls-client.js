// The npm "aria2" package (4.1.2) over https:// and wss:// with a control token and a read token.
//   NODE_EXTRA_CA_CERTS=ca.pem node tls-client.js <port> <controlToken> <readToken>
// Each step prints one JSON line; the Java test reads them.
"use strict";
const Aria2 = require("aria2");

const [port, control, read] = process.argv.slice(2);
const out = (step, value) => console.log(JSON.stringify({ step, value }));
const client = (secret) =>
  new Aria2({ host: "127.0.0.1", port: Number(port), secure: true, secret, path: "/jsonrpc" });
const attempt = async (step, call) => {
  try {
    out(step, { ok: await call() });
  } catch (err) {
    out(step, { error: String(err && err.message ? err.message : err) });
  }
};

(async () => {
  const actor = client(control);
  await attempt("https-version", async () => (await actor.call("getVersion")).version);
  await actor.open();
  await attempt("wss-version", async () => (await actor.call("getVersion")).version);
  await attempt("wss-pause-all", () => actor.call("pauseAll"));

  const reader = client(read);
  await reader.open();
  await attempt("read-stat", () => reader.call("getGlobalStat"));
  await attempt("read-pause-all", () => reader.call("pauseAll"));
  await attempt("read-multicall", () => reader.multicall([["tellActive", ["gid"]], ["pauseAll"]]));
  await actor.close();
  await reader.close();
  process.exit(0);
})().catch((err) => {
  out("error", String(err && err.message ? err.message : err));
  process.exit(1);
});
