// A webhook receiver that checks every delivery with the npm "standardwebhooks" package (1.1.1),
// an implementation of the Standard Webhooks scheme no one here wrote.
//   node webhook-receiver.js <whsec_secret>
// Prints {"step":"listening","port":N}, then one line per delivery. Lines on stdin set how it
// answers: "ok" (204), "down" (503), "gone" (410), "slow <ms>" (204 after a delay).
"use strict";
const http = require("http");
const readline = require("readline");
const { Webhook } = require("standardwebhooks");

const [secret] = process.argv.slice(2);
const wh = new Webhook(secret);
const out = (step, value) => console.log(JSON.stringify(Object.assign({ step }, value)));
let mode = "ok";
let delay = 0;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [m, ms] = line.trim().split(/\s+/);
  mode = m;
  delay = Number(ms || 0);
  out("mode", { mode, delay });
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let verified = false;
    let why = null;
    let payload = null;
    try {
      payload = wh.verify(body, req.headers);
      verified = true;
    } catch (err) {
      why = String(err && err.message ? err.message : err);
    }
    const status = mode === "down" ? 503 : mode === "gone" ? 410 : 204;
    const answer = () => {
      out("delivery", { id: req.headers["webhook-id"], verified, why, status, payload, headers: req.headers });
      res.writeHead(status);
      res.end();
    };
    if (mode === "slow") setTimeout(answer, delay);
    else answer();
  });
});
server.listen(0, "127.0.0.1", () => out("listening", { port: server.address().port }));
