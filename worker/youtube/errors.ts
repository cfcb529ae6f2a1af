/** YouTube failures as the studio shows them: a stable code and a message a teacher can act on. */
import { ApiError } from "../errors.ts";
import { YouTubeError } from "./api.ts";
import { OAuthError } from "./oauth.ts";

/** Turn a YouTube or OAuth failure into the API error the studio shows. */
export function youtubeApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof OAuthError) {
    return err.reason === "invalid_grant"
      ? new ApiError(
          403,
          "youtube_revoked",
          "Mass Class no longer has access to your YouTube channel. Connect YouTube again.",
        )
      : new ApiError(502, "youtube_oauth_failed", `Google sign-in failed: ${err.message}`);
  }
  if (!(err instanceof YouTubeError)) throw err;
  switch (err.kind) {
    case "live_not_enabled":
      return new ApiError(
        403,
        "youtube_live_not_enabled",
        "Live streaming is not enabled on your YouTube channel. Enable it at youtube.com/features (the first time YouTube can take up to 24 hours), then go live again.",
      );
    case "quota":
      return new ApiError(
        503,
        "youtube_quota",
        "Mass Class has used up its YouTube API quota for today (it resets at midnight Pacific time). Use a stream key in the class settings to go live now.",
      );
    case "rate_limited":
      return new ApiError(
        429,
        "youtube_rate_limited",
        "YouTube asks us to slow down. Wait a minute and try again.",
      );
    case "invalid_transition":
      return new ApiError(
        409,
        "youtube_invalid_transition",
        "YouTube cannot change the broadcast's state now (it is not receiving the stream yet, or the broadcast has already ended).",
      );
    case "revoked":
    case "unauthorized":
      return new ApiError(
        403,
        "youtube_revoked",
        "Mass Class no longer has access to your YouTube channel (access was revoked or has expired). Connect YouTube again.",
      );
    case "redundant_transition":
    case "not_found":
    case "error":
      return new ApiError(502, "youtube_error", `YouTube answered with an error: ${err.message}`);
    default:
      return err.kind satisfies never;
  }
}
