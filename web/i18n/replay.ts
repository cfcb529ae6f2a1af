/**
 * Messages of the replay page (web/student/replay, loaded on demand with it): keys `replay.*`, English here, Spanish and Arabic in replay.es.ts /
 * replay.ar.ts (loaded on demand). Usage: web/i18n/core.ts.
 */
import { common } from "./common.ts";
import { type LazyCatalogs, lazyCatalogs, merge, type SourceCatalog, translator } from "./core.ts";

const en = {
  "replay.loading": "Loading the replay…",
  "replay.back": "Back to the class",
  "replay.title": "Replay: {title}",
  "replay.onAir": "The class is still on air: its replay opens when it ends.",
  "replay.never": "This class never went live, so there is nothing to replay.",
  "replay.recording": "Recording",
  "replay.processing":
    "YouTube is still processing the recording. Use the position control below to step through the class.",
  "replay.local":
    "No recording: the local stack does not record the stream. Use the position control below to step through the class.",
  "replay.none":
    "No recording of this class. Use the position control below to step through the class.",
  "replay.position": "Position in the class",
  "replay.of": "{pos} of {duration}",
  "replay.time": "{pos} / {duration}",
  "replay.trimmed":
    "The start of this class's log is no longer kept: the replay shows what remains.",
  "replay.noSlide": "No slide on screen at this point.",
  "replay.leaderboard": "Quiz leaderboard",
  "replay.liveFrom": "Live from {start}.",
  "replay.liveFromTo": "Live from {start} to {end}.",
  "replay.polls": "Polls",
  "replay.kindQuiz": "quiz",
  "replay.kindPoll": "poll",
  "replay.stateOpen": "open",
  "replay.stateRevealed": "results shown",
  "replay.stateClosed": "closed",
  "replay.pollMeta": "({kind}, {state})",
  "replay.answered": "Answered questions",
  "replay.ytFailedText":
    "YouTube is unreachable from this network. The position control below still steps through the slides, polls and questions.",
  "replay.loadingRecording": "Loading the recording…",
  "replay.noVideo": "No video for this replay",
  "replay.pause": "Pause",
  "replay.play": "Play the replay",
  "replay.ytFailed": "The video player could not load",
} as const satisfies SourceCatalog;

/** The English source messages' type (the translations are typed against it). */
export type ReplaySource = typeof en;

/** The replay catalogs. */
export const replay: LazyCatalogs<ReplaySource> = lazyCatalogs(
  en,
  () => import("./replay.es.ts"),
  () => import("./replay.ar.ts"),
);

/** web/student/replay translates with this (it knows the common keys too). */
export const { t, rich } = translator(merge(common, replay));
