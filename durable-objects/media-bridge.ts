/**
 * Production home of the media bridge (bridge/): one Cloudflare Container per class,
 * owned by this Durable Object. The Worker talks to the bridge through this object's
 * `fetch` exactly as it talks to a local bridge over HTTP (BRIDGE_URL), so the WHIP,
 * session and pull calls are the same in both modes.
 *
 * Locally (`npm start`) containers are disabled (`[dev] enable_containers = false`) and
 * BRIDGE_URL points at the bridge process, so this class is never asked to start one.
 */
import { DurableObject } from "cloudflare:workers";
import { workerConfig } from "../worker/config.ts";
import { errorMessage, logEvent } from "../worker/log.ts";

/** Port the bridge listens on inside the container (bridge/Dockerfile). */
export const BRIDGE_CONTAINER_PORT = 8790;
/** Stop an idle container after this long (no teacher publishing, no calls). */
const IDLE_TIMEOUT_MS = 15 * 60_000;

export class MediaBridge extends DurableObject<Env> {
  override async fetch(request: Request): Promise<Response> {
    const container = this.ctx.container;
    if (!container) {
      return Response.json(
        {
          error: "no-container",
          message: "Containers are not enabled here; set BRIDGE_URL to a running bridge.",
        },
        { status: 503 },
      );
    }
    if (!container.running) {
      container.start({
        enableInternet: true, // RTMP(S) out to YouTube, and Cloudflare Calls
        env: {
          BRIDGE_HOST: "0.0.0.0",
          BRIDGE_PORT: String(BRIDGE_CONTAINER_PORT),
          BRIDGE_SECRET: workerConfig(this.env).BRIDGE_SECRET,
          // The same ingest allowlist the Worker checks class settings against.
          BRIDGE_INGEST_HOSTS: workerConfig(this.env).RTMP_INGEST_HOSTS,
          HEALTH_CALLBACK_URL: workerConfig(this.env).PUBLIC_ORIGIN
            ? `${workerConfig(this.env).PUBLIC_ORIGIN}/api/bridge/health`
            : "",
          CALLS_APP_ID: workerConfig(this.env).CALLS_APP_ID,
          CALLS_APP_SECRET: workerConfig(this.env).CALLS_APP_SECRET,
        },
      });
    }
    await container.setInactivityTimeout(IDLE_TIMEOUT_MS);
    const port = container.getTcpPort(BRIDGE_CONTAINER_PORT);
    // The process needs a moment after start before it accepts connections.
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return await port.fetch(request.clone());
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
      }
    }
    logEvent({ event: "bridge_container_unreachable", message: errorMessage(lastError) });
    return Response.json(
      { error: "bridge-starting", message: "The media bridge did not start in time." },
      { status: 503 },
    );
  }
}
