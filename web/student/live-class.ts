/**
 * The class's video id can change while a student has the page open: with a connected
 * YouTube channel, going live creates the class's broadcast (a new video id for every
 * run of the class). So when the stream goes live, re-read the class and play the
 * current broadcast.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ClassPublic } from "../../protocol/api.ts";
import { call, client } from "../lib/api.ts";

/** Whether a stream status change should re-read the class (it just went live). */
export function wentLive(previous: string | null, next: string): boolean {
  return next === "live" && previous !== "live";
}

/** Merge a re-read class into the shown one: only what the video player needs changes. */
export function withCurrentVideo(shown: ClassPublic, fresh: ClassPublic): ClassPublic {
  return fresh.youtubeVideoId === shown.youtubeVideoId &&
    fresh.localPlaybackUrl === shown.localPlaybackUrl
    ? shown
    : { ...shown, youtubeVideoId: fresh.youtubeVideoId, localPlaybackUrl: fresh.localPlaybackUrl };
}

/** `cls` with the video id of the broadcast that is live now. */
export function useLiveClass(cls: ClassPublic, stream: string): ClassPublic {
  const [shown, setShown] = useState(cls);
  const previous = useRef<string | null>(null);
  useEffect(() => setShown(cls), [cls]);
  useEffect(() => {
    const before = previous.current;
    previous.current = stream;
    // The first status after load is the page's own state, already read with the class.
    if (before === null || !wentLive(before, stream)) return;
    let cancelled = false;
    call(client.classes[":id"].$get({ param: { id: cls.id } })).then(
      (res) => {
        if (!cancelled) setShown((s) => withCurrentVideo(s, res.class));
      },
      () => {
        // keep the old view; the next go-live tries again
      },
    );
    return () => {
      cancelled = true;
    };
  }, [stream, cls.id]);
  return shown;
}
