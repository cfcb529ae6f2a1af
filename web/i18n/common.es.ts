/**
 * The Spanish translation of web/i18n/common.ts, loaded on demand (only a page shown in
 * Spanish fetches it). A key missing here, or one English lacks, fails `npm run typecheck`.
 */
import type { CommonSource } from "./common.ts";
import type { Translation } from "./core.ts";

const es: Translation<CommonSource, "es"> = {
  "common.brand": "Mass Class",
  "common.brandMark": "M",
  "common.skipToMain": "Saltar al contenido principal",
  "common.signOut": "Cerrar sesión",
  "common.language": "Idioma",
  "common.loading": "Cargando…",
  "common.cancel": "Cancelar",
  "common.notScheduled": "Sin fecha",
  "common.goToAccount": "Ir a tu cuenta",
  "common.sessionFailed": "No se pudo cargar tu sesión",
  "common.titleSuffix": "{title} · Mass Class",
  "common.kb": "{n} KB",
  "common.seconds": "{n} s",

  "common.copy.link": "Copiar enlace",
  "common.copy.done": "Copiado",
  "common.copy.failed": "No se pudo copiar: selecciona el enlace",
  "common.named.copyId": "Copiar id",
  "common.named.copyIdOf": "Copiar el id de {name}",
  "common.named.guest": "{name} (invitado)",
  "common.named.guestSuffix": "(invitado)",
  "common.named.idTitle": "{name} · id {id}",
  "common.named.unknownGuest": "Invitado desconocido",
  "common.named.unknown.user": "Usuario desconocido",
  "common.named.unknown.class": "Clase desconocida",
  "common.named.unknown.section": "Sección desconocida",

  "common.poll.correct": "respuesta correcta:",
  "common.poll.yours": "tu respuesta",
  "common.poll.answers": { one: "{count} respuesta", other: "{count} respuestas" },
  "common.poll.share": "{votes} · {pct} %",

  "common.react.legend": "Reaccionar",
  "common.react.with": "Reaccionar con {name}",
  "common.react.soFar": "Reacciones hasta ahora:",
  "common.react.easy": "Con calma: una reacción por segundo.",
  "common.react.total": "{name}: {count}",
  "common.react.thumbs": "pulgar arriba",
  "common.react.heart": "corazón",
  "common.react.laughing": "risa",
  "common.react.surprised": "sorpresa",
  "common.react.applause": "aplausos",
  "common.react.celebrate": "celebración",

  "common.slide.label": "Diapositiva {page} de {count}: {deck}",
  "common.slide.whiteboard": "Pizarra",
  "common.slide.ink": { one: "{base}, con {count} trazo", other: "{base}, con {count} trazos" },

  "common.turnstile.failed":
    "La comprobación anti-robots no se cargó. Recarga la página e inténtalo de nuevo.",

  "common.conn.connected": "Conectado",
  "common.conn.connecting": "Conectando…",
  "common.conn.reconnecting": "Reconectando…",
  "common.conn.offline": "Sin conexión",
  "common.conn.removed": "Expulsado",
  "common.live.title": {
    one: "Unos {count} estudiante en clase",
    other: "Unos {count} estudiantes en clase",
  },
  "common.live.count": "≈ {n} en clase",
  "common.live.students": "estudiantes",

  "common.role.teacher": "Docente",
  "common.role.moderator": "Moderador",
  "common.role.admin": "Administrador",
  "common.role.student": "Estudiante",
  "common.role.guest": "Invitado",

  "common.chat.you": "tú",
  "common.chat.edited": "editado",
  "common.reason.empty": "Vacío",
  "common.reason.too_long": "Demasiado largo",
  "common.reason.rate_limited": "Demasiado rápido",
  "common.reason.duplicate": "Repetido",
  "common.reason.slow_mode": "Modo lento",
  "common.reason.blocked_word": "Palabra bloqueada",
  "common.reason.link_blocked": "Enlace no permitido",
  "common.reason.timed_out": "Silenciado",
  "common.reject.empty": "Escribe un mensaje primero.",
  "common.reject.too_long": "No enviado: los mensajes tienen como máximo {max} caracteres.",
  "common.reject.rate_limited": "No enviado: estás enviando mensajes demasiado rápido.",
  "common.reject.rate_limited_wait":
    "No enviado: estás enviando mensajes demasiado rápido. Vuelve a intentarlo en {wait} s.",
  "common.reject.duplicate": "No enviado: ya enviaste ese mensaje.",
  "common.reject.slow_mode": "No enviado: el modo lento está activado.",
  "common.reject.slow_mode_wait":
    "No enviado: el modo lento está activado. Podrás enviar de nuevo en {wait} s.",
  "common.reject.blocked_word":
    "No enviado: tu mensaje contiene una palabra que el docente ha bloqueado.",
  "common.reject.link_blocked": "No enviado: en esta clase no se permiten enlaces.",
  "common.reject.timed_out": "No enviado: estás silenciado.",
  "common.reject.timed_out_until": "No enviado: estás silenciado hasta las {time}.",
  "common.reject.not_sent":
    "No enviado: la clase no recibió este mensaje. Comprueba tu conexión y envíalo de nuevo.",

  "common.error.network":
    "No se pudo conectar con el servidor. Comprueba tu conexión e inténtalo de nuevo.",
  "common.error.status": "La solicitud falló ({status}).",
  "common.error.generic": "Algo salió mal. Inténtalo de nuevo.",
  "common.error.bad_request":
    "No se entendió la solicitud. Recarga la página e inténtalo de nuevo.",
  "common.error.validation_failed": "Algún dato no es válido. Revísalo e inténtalo de nuevo.",
  "common.error.payload_too_large": "Es demasiado grande para subirlo.",
  "common.error.quota_exceeded": "Tu almacenamiento está lleno. Borra algo e inténtalo de nuevo.",
  "common.error.unauthenticated": "Vuelve a iniciar sesión.",
  "common.error.forbidden": "No tienes permiso para hacer eso.",
  "common.error.not_found": "Ya no existe.",
  "common.error.email_taken": "Ya existe una cuenta con este correo.",
  "common.error.weak_password": "Elige una contraseña más larga y difícil de adivinar.",
  "common.error.invalid_credentials": "Correo o contraseña incorrectos.",
  "common.error.account_disabled": "Esta cuenta está desactivada.",
  "common.error.guest_access_disabled":
    "Esta clase no admite invitados. Inicia sesión para unirte.",
  "common.error.banned": "Se te ha expulsado de esta clase.",
  "common.error.turnstile_failed": "La comprobación anti-robots falló. Inténtalo de nuevo.",
  "common.error.invite_invalid": "Esta invitación ya no es válida.",
  "common.error.rate_limited": "Demasiados intentos. Espera un momento e inténtalo de nuevo.",
  "common.error.conflict":
    "Alguien cambió esto al mismo tiempo. Recarga la página e inténtalo de nuevo.",
  "common.error.unsupported_media_type": "Ese tipo de archivo no se admite.",
  "common.error.push_unavailable":
    "Las notificaciones de clase no están disponibles en este servidor.",
  "common.error.unavailable": "El servicio no está disponible ahora. Inténtalo más tarde.",
  "common.socket.poll_closed": "La encuesta está cerrada.",
  "common.socket.too_late": "Demasiado tarde: se acabó el tiempo.",
  "common.socket.already_answered": "Ya respondiste; cuenta tu primera respuesta.",
  "common.socket.bad_choice": "Esa opción no es válida.",
  "common.socket.unknown_poll": "Esa encuesta ya no existe.",
  "common.socket.unknown_question": "Esa pregunta ya no existe.",
  "common.socket.not_votable": "Ahora no se puede votar esa pregunta.",
  "common.socket.own_question": "No puedes votar tu propia pregunta.",
  "common.socket.too_many_questions": "Ya tienes preguntas pendientes de aprobación.",
  "common.socket.rate_limited": "Demasiado rápido. Espera un momento e inténtalo de nuevo.",
  "common.socket.forbidden": "No tienes permiso para hacer eso.",
  "common.socket.other": "La clase no lo aceptó. Inténtalo de nuevo.",
};

export default es;
