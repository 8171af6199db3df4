// A scenario run with the npm "aria2" package (4.1.2), as a front-end would, against the
// supervisor's /jsonrpc. Each step prints one JSON line; the Java test reads them.
//   node client.js <port> <secret> <uri1> <uri2>
// After "waiting-for-kill" it waits for a line on stdin (the test kills aria2c meanwhile).
"use strict";
const Aria2 = require("aria2");
const readline = require("readline");

const [port, secret, uri1, uri2] = process.argv.slice(2);
const out = (step, value) => console.log(JSON.stringify({ step, value }));

(async () => {
  const aria2 = new Aria2({ host: "127.0.0.1", port: Number(port), secure: false, secret, path: "/jsonrpc" });
  // over HTTP (no socket open yet)
  out("version", await aria2.call("getVersion"));
  const gid1 = await aria2.call("addUri", [uri1], { out: "npm-one.bin" });
  out("added-http", gid1);
  out("status-http", await aria2.call("tellStatus", gid1, ["gid", "status", "totalLength"]));
  out("multicall", await aria2.multicall([["getVersion"], ["tellStatus", gid1, ["gid"]]]));
  const batch = await aria2.batch([["getGlobalStat"], ["tellActive", ["gid"]]]);
  out("batch", await Promise.all(batch));
  out("notifications", await aria2.listNotifications());

  // over the WebSocket, with notifications
  await aria2.open();
  const seen = [];
  for (const event of ["onDownloadStart", "onDownloadPause", "onDownloadStop", "onDownloadComplete", "onDownloadError"]) {
    aria2.on(event, ([n]) => { seen.push({ event, gid: n.gid }); out("notification", { event, gid: n.gid }); });
  }
  let closed = false;
  aria2.on("close", () => { closed = true; });
  const gid2 = await aria2.call("addUri", [uri2], { out: "npm-two.bin" });
  out("added-ws", gid2);
  const started = () => seen.some((s) => s.gid === gid2 && s.event === "onDownloadStart");
  while (!started()) await new Promise((r) => setTimeout(r, 20));
  out("waiting-for-kill", gid2);
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once("line", resolve));
  const done = () => seen.some((s) => s.gid === gid2 && s.event === "onDownloadComplete");
  const deadline = Date.now() + 60000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  out("status-ws", await aria2.call("tellStatus", gid2, ["gid", "status", "completedLength"]));
  out("closed", closed);
  await aria2.close();
  process.exit(0);
})().catch((err) => {
  out("error", String(err && err.message ? err.message : err));
  process.exit(1);
});
