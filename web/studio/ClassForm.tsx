import { useState } from "preact/hooks";
import type { ClassDetail } from "../../protocol/api.ts";
import { LATENCY_MODES, type LatencyMode } from "../../protocol/latency.ts";
import { Field, issuesByField } from "../components/Field.tsx";
import { Notice } from "../components/Notice.tsx";
import { isolate } from "../components/UserText.tsx";
import { type StudioKey, t } from "../i18n/studio.ts";
import { call, client, errorMessage, isApiError } from "../lib/api.ts";
import { isoToLocalInput, localInputToIso } from "../lib/format.ts";

const LATENCY_LABEL: Record<LatencyMode, StudioKey> = {
  ultraLow: "studio.form.latency.ultraLow",
  low: "studio.form.latency.low",
  normal: "studio.form.latency.normal",
};
const LATENCY = LATENCY_MODES.map((value) => ({ value, label: LATENCY_LABEL[value] }));

const FIELDS = [
  "title",
  "description",
  "scheduledStart",
  "guestAccess",
  "youtubeVideoId",
  "latencyMode",
  "rtmpUrl",
  "streamKey",
];

/** Accepts a bare 11-character id or a YouTube URL (watch?v=, youtu.be/, /live/) and returns the id. */
export function youtubeIdFrom(input: string): string {
  const s = input.trim();
  const m = /(?:[?&]v=|youtu\.be\/|\/live\/|\/embed\/)([A-Za-z0-9_-]{11})/.exec(s);
  return m ? m[1]! : s;
}

/**
 * Create a class, or edit `initial`. The stream key is write-only: once stored it is
 * never shown, only "stored", with a way to replace or remove it.
 */
export function ClassForm(props: {
  initial?: ClassDetail;
  onSaved: (cls: ClassDetail) => void;
  onCancel?: () => void;
}) {
  const init = props.initial;
  const p = init ? `edit-${init.id}-` : "new-";
  const [title, setTitle] = useState(init?.title ?? "");
  const [description, setDescription] = useState(init?.description ?? "");
  const [start, setStart] = useState(isoToLocalInput(init?.scheduledStart ?? null));
  const [guestAccess, setGuestAccess] = useState(init?.guestAccess ?? false);
  const [youtube, setYoutube] = useState(init?.youtubeVideoId ?? "");
  const [latencyMode, setLatencyMode] = useState<ClassDetail["latencyMode"]>(
    init?.latencyMode ?? "ultraLow",
  );
  const [rtmpUrl, setRtmpUrl] = useState(init?.rtmpUrl ?? "");
  /** keep: leave the stored key alone; replace: send the typed key; remove: clear it. */
  const [keyMode, setKeyMode] = useState<"keep" | "replace" | "remove">(
    init?.hasStreamKey ? "keep" : "replace",
  );
  const [streamKey, setStreamKey] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!title.trim()) {
      setErrors({ title: t("studio.form.titleMissing") });
      return;
    }
    if (start && !localInputToIso(start)) {
      setErrors({ scheduledStart: t("studio.form.startInvalid") });
      return;
    }
    const fields = {
      title,
      description,
      scheduledStart: localInputToIso(start),
      guestAccess,
      youtubeVideoId: youtube.trim() ? youtubeIdFrom(youtube) : null,
      latencyMode,
      rtmpUrl: rtmpUrl.trim() || null,
    };
    let key: { streamKey?: string | null } = {};
    if (keyMode === "replace" && streamKey.trim()) key = { streamKey };
    else if (keyMode === "remove" && init?.hasStreamKey) key = { streamKey: null };
    setBusy(true);
    setErrors({});
    try {
      const res = init
        ? await call(
            client.classes[":id"].$patch({ param: { id: init.id }, json: { ...fields, ...key } }),
          )
        : await call(client.classes.$post({ json: { ...fields, ...key } }));
      setStreamKey("");
      setKeyMode(res.class.hasStreamKey ? "keep" : "replace");
      setBusy(false);
      props.onSaved(res.class);
    } catch (err) {
      setBusy(false);
      setErrors(
        isApiError(err, "validation_failed")
          ? issuesByField(err.issues, err.message, FIELDS)
          : { form: errorMessage(err) },
      );
    }
  };

  return (
    <form
      class="card form class-form"
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      aria-label={
        init
          ? t("studio.form.editLabel", { title: isolate(init.title) })
          : t("studio.list.newClass")
      }
      data-testid={init ? "edit-class-form" : "create-class-form"}
    >
      <h2>{t(init ? "studio.form.edit" : "studio.list.newClass")}</h2>
      {errors.form ? <Notice testId="form-error">{errors.form}</Notice> : null}
      <Field id={`${p}title`} label={t("studio.form.title")} error={errors.title}>
        {(a11y) => (
          <input
            {...a11y}
            name="title"
            type="text"
            maxLength={120}
            required
            value={title}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        id={`${p}description`}
        label={t("studio.form.description")}
        hint={t("studio.form.descriptionHint")}
        error={errors.description}
      >
        {(a11y) => (
          <textarea
            {...a11y}
            name="description"
            rows={3}
            maxLength={2000}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        )}
      </Field>
      <div class="form-row">
        <Field
          id={`${p}start`}
          label={t("studio.form.start")}
          hint={t("studio.form.startHint")}
          error={errors.scheduledStart}
        >
          {(a11y) => (
            <input
              {...a11y}
              name="scheduledStart"
              type="datetime-local"
              value={start}
              onInput={(e) => setStart(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field id={`${p}latency`} label={t("studio.form.latency")} error={errors.latencyMode}>
          {(a11y) => (
            <select
              {...a11y}
              name="latencyMode"
              value={latencyMode}
              onChange={(e) => setLatencyMode(e.currentTarget.value as ClassDetail["latencyMode"])}
            >
              {LATENCY.map((l) => (
                <option key={l.value} value={l.value}>
                  {t(l.label)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <label class="check">
        <input
          type="checkbox"
          name="guestAccess"
          checked={guestAccess}
          onChange={(e) => setGuestAccess(e.currentTarget.checked)}
        />
        <span>
          {t("studio.form.guests")}
          <small>{t("studio.form.guestsHint")}</small>
        </span>
      </label>
      <fieldset class="subsection">
        <legend>{t("studio.form.streaming")}</legend>
        <p class="muted field-hint" data-testid="streaming-youtube-hint">
          {t("studio.form.streamingHint")}
        </p>
        <Field
          id={`${p}youtube`}
          label={t("studio.form.youtube")}
          hint={t("studio.form.youtubeHint")}
          error={errors.youtubeVideoId}
        >
          {(a11y) => (
            <input
              {...a11y}
              name="youtubeVideoId"
              type="text"
              autocomplete="off"
              spellcheck={false}
              value={youtube}
              onInput={(e) => setYoutube(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          id={`${p}rtmp`}
          label={t("studio.form.rtmp")}
          hint={t("studio.form.rtmpHint", { example: "rtmps://a.rtmps.youtube.com/live2" })}
          error={errors.rtmpUrl}
        >
          {(a11y) => (
            <input
              {...a11y}
              name="rtmpUrl"
              type="url"
              autocomplete="off"
              spellcheck={false}
              value={rtmpUrl}
              onInput={(e) => setRtmpUrl(e.currentTarget.value)}
            />
          )}
        </Field>
        {keyMode === "keep" ? (
          <div class="field">
            <span class="label">{t("studio.form.key")}</span>
            <div class="stored-key">
              <span class="badge badge-ok" data-testid="stream-key-stored">
                {t("studio.form.keyStored")}
              </span>
              <button
                type="button"
                class="btn btn-secondary btn-small"
                onClick={() => setKeyMode("replace")}
              >
                {t("studio.form.replace")}
              </button>
              <button
                type="button"
                class="btn btn-quiet btn-small"
                onClick={() => setKeyMode("remove")}
              >
                {t("studio.mods.remove")}
              </button>
            </div>
          </div>
        ) : keyMode === "remove" ? (
          <div class="field">
            <span class="label">{t("studio.form.key")}</span>
            <div class="stored-key">
              <span class="badge badge-warn">{t("studio.form.keyRemoved")}</span>
              <button
                type="button"
                class="btn btn-quiet btn-small"
                onClick={() => setKeyMode("keep")}
              >
                {t("studio.slides.undo")}
              </button>
            </div>
          </div>
        ) : (
          <Field
            id={`${p}key`}
            label={t(init?.hasStreamKey ? "studio.form.newKey" : "studio.form.key")}
            hint={t("studio.form.keyHint")}
            error={errors.streamKey}
          >
            {(a11y) => (
              <div class="inline">
                <input
                  {...a11y}
                  name="streamKey"
                  type="password"
                  autocomplete="new-password"
                  spellcheck={false}
                  value={streamKey}
                  onInput={(e) => setStreamKey(e.currentTarget.value)}
                />
                {init?.hasStreamKey ? (
                  <button
                    type="button"
                    class="btn btn-quiet btn-small"
                    onClick={() => {
                      setStreamKey("");
                      setKeyMode("keep");
                    }}
                  >
                    {t("studio.form.keepKey")}
                  </button>
                ) : null}
              </div>
            )}
          </Field>
        )}
      </fieldset>
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="save-class">
          {t(busy ? "studio.form.saving" : init ? "studio.form.save" : "studio.form.create")}
        </button>
        {props.onCancel ? (
          <button type="button" class="btn btn-secondary" onClick={props.onCancel}>
            {t("common.cancel")}
          </button>
        ) : null}
      </div>
    </form>
  );
}
