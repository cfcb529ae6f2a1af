/**
 * The Spanish translation of web/i18n/replay.ts, loaded on demand (only a page shown in
 * Spanish fetches it). A key missing here, or one English lacks, fails `npm run typecheck`.
 */
import type { Translation } from "./core.ts";
import type { ReplaySource } from "./replay.ts";

const es: Translation<ReplaySource, "es"> = {
  "replay.loading": "Cargando la repetición…",
  "replay.back": "Volver a la clase",
  "replay.title": "Repetición: {title}",
  "replay.onAir": "La clase sigue en directo: su repetición se abrirá cuando termine.",
  "replay.never": "Esta clase nunca se emitió en directo, así que no hay nada que repetir.",
  "replay.recording": "Grabación",
  "replay.processing":
    "YouTube todavía está procesando la grabación. Usa el control de posición de abajo para recorrer la clase.",
  "replay.local":
    "Sin grabación: el entorno local no graba la emisión. Usa el control de posición de abajo para recorrer la clase.",
  "replay.none":
    "No hay grabación de esta clase. Usa el control de posición de abajo para recorrer la clase.",
  "replay.position": "Posición en la clase",
  "replay.of": "{pos} de {duration}",
  "replay.time": "{pos} / {duration}",
  "replay.trimmed":
    "El inicio del registro de esta clase ya no se conserva: la repetición muestra lo que queda.",
  "replay.noSlide": "No hay diapositiva en pantalla en este momento.",
  "replay.leaderboard": "Clasificación del cuestionario",
  "replay.liveFrom": "En directo desde el {start}.",
  "replay.liveFromTo": "En directo desde el {start} hasta las {end}.",
  "replay.polls": "Encuestas",
  "replay.kindQuiz": "cuestionario",
  "replay.kindPoll": "encuesta",
  "replay.stateOpen": "abierta",
  "replay.stateRevealed": "resultados mostrados",
  "replay.stateClosed": "cerrada",
  "replay.pollMeta": "({kind}, {state})",
  "replay.answered": "Preguntas respondidas",
  "replay.ytFailedText":
    "No se puede acceder a YouTube desde esta red. El control de posición de abajo sigue recorriendo las diapositivas, encuestas y preguntas.",
  "replay.loadingRecording": "Cargando la grabación…",
  "replay.noVideo": "No hay vídeo para esta repetición",
  "replay.pause": "Pausa",
  "replay.play": "Reproducir la repetición",
  "replay.ytFailed": "El reproductor de vídeo no se pudo cargar",
};

export default es;
