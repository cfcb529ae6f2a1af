/**
 * Mixes the microphone and the shared screen's audio into the one audio track the
 * studio sends, with WebAudio. Each source has its own mute and level meter. The
 * AudioContext renders on the audio thread, so the mix keeps going in a hidden tab.
 */

/** The mixer's inputs. */
export type AudioSourceId = "mic" | "screen";

interface Input {
  track: MediaStreamTrack;
  node: MediaStreamAudioSourceNode;
  gain: GainNode;
  analyser: AnalyserNode;
}

/** One mixed audio track from up to two sources. */
export class AudioMixer {
  /** The mixed track to send; silent while there are no sources. */
  readonly track: MediaStreamTrack;
  private ctx = new AudioContext({ latencyHint: "interactive" });
  private dest: MediaStreamAudioDestinationNode;
  private inputs: Partial<Record<AudioSourceId, Input>> = {};
  private muted: Record<AudioSourceId, boolean> = { mic: false, screen: false };
  private buf = new Float32Array(1024);

  constructor() {
    this.dest = this.ctx.createMediaStreamDestination();
    this.track = this.dest.stream.getAudioTracks()[0]!;
  }

  /** Resume the context; call from a click (autoplay policy may start it suspended). */
  resume(): void {
    if (this.ctx.state === "suspended") void this.ctx.resume();
  }

  /** Use `track` (or nothing) as the source `id`. */
  setSource(id: AudioSourceId, track: MediaStreamTrack | null): void {
    const old = this.inputs[id];
    if (old) {
      old.node.disconnect();
      old.gain.disconnect();
      delete this.inputs[id];
    }
    if (!track) return;
    const node = this.ctx.createMediaStreamSource(new MediaStream([track]));
    const gain = this.ctx.createGain();
    gain.gain.value = this.muted[id] ? 0 : 1;
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 1024;
    // The meter taps the input before the mute, so a muted mic still shows it works.
    node.connect(analyser);
    node.connect(gain).connect(this.dest);
    this.inputs[id] = { track, node, gain, analyser };
    this.resume();
  }

  /** Whether a source is connected. */
  has(id: AudioSourceId): boolean {
    return this.inputs[id] !== undefined;
  }

  /** Mute or unmute one source in the mix. */
  setMuted(id: AudioSourceId, muted: boolean): void {
    this.muted[id] = muted;
    const input = this.inputs[id];
    if (input) input.gain.gain.setTargetAtTime(muted ? 0 : 1, this.ctx.currentTime, 0.02);
  }

  /** Input level of a source, 0..1 (RMS scaled so speech sits mid-scale). */
  level(id: AudioSourceId): number {
    const input = this.inputs[id];
    if (!input) return 0;
    input.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    const rms = Math.sqrt(sum / this.buf.length);
    // dBFS -60..0 → 0..1.
    const db = 20 * Math.log10(rms || 1e-9);
    return Math.max(0, Math.min(1, (db + 60) / 60));
  }

  /** Stop mixing and end the output track. The source tracks belong to the caller. */
  close(): void {
    for (const id of Object.keys(this.inputs) as AudioSourceId[]) this.setSource(id, null);
    this.track.stop();
    void this.ctx.close();
  }
}
