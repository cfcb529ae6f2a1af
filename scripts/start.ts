/**
 * `npm start`: a whole local classroom with no account and no internet.
 * Builds the web apps, applies D1 migrations, seeds demo accounts, then runs a real
 * local RTMP server, the media bridge and `wrangler dev` (Worker + Durable Objects +
 * D1 + R2, state kept in .state/). Ctrl-C stops everything it started; the next start
 * keeps the data.
 */
import { DEMO, ensureDevVars, migrate, ROOT, run, seed, startMedia, startWorker } from "./stack.ts";

const port = Number(process.env.PORT ?? 8787);
const persistTo = `${ROOT}.state`;

const secrets = ensureDevVars();
console.log("› building web apps");
await run("vite", ["build", "--logLevel", "warn"]);
console.log("› applying D1 migrations (local)");
await migrate(persistTo);
console.log("› seeding demo accounts");
await seed(persistTo);
console.log("› starting the local RTMP server and the media bridge");
const media = await startMedia({
  bridgeSecret: secrets.BRIDGE_SECRET!,
  workerUrl: `http://127.0.0.1:${port}`,
});
console.log("› starting wrangler dev");
const worker = await startWorker({ port, persistTo, inspectorPort: port + 1000, vars: media.vars });

const url = worker.url.replace("127.0.0.1", "localhost");
console.log(`
Mass Class is running at ${url}

  Admin    ${DEMO.admin.email} / ${DEMO.admin.password}      ${url}/admin
  Teacher  ${DEMO.teacher.email} / ${DEMO.teacher.password}  ${url}/studio
  Class    ${url}/c/${DEMO.classId}   (guests welcome: open it in a private window)

  Video    ${media.summary}

Ctrl-C stops everything. Data lives in .state/ and survives restarts.
`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log("\n› stopping");
  await Promise.all([worker.stop(), media.stop()]);
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
