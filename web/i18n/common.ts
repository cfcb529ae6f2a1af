/**
 * Messages every app shows: the header, the language picker, shared components
 * (web/components), errors from the API and the classroom (web/lib), chat words the
 * studio shares with the class page. Usage: web/i18n/core.ts.
 */
import type { ApiErrorCode } from "../../protocol/api.ts";
import { type Catalogs, locale, type SourceCatalog, type Translation, translator } from "./core.ts";

const en = {
  "common.brand": "Mass Class",
  "common.brandMark": "M",
  "common.skipToMain": "Skip to main content",
  "common.signOut": "Sign out",
  "common.language": "Language",
  "common.loading": "Loading…",
  "common.cancel": "Cancel",
  "common.notScheduled": "Not scheduled",
  "common.goToAccount": "Go to your account",
  "common.sessionFailed": "Could not load your session",
  "common.titleSuffix": "{title} · Mass Class",
  "common.kb": "{n} KB",
  "common.seconds": "{n} s",

  "common.copy.link": "Copy link",
  "common.copy.done": "Copied",
  "common.copy.failed": "Copy failed — select the link",
  "common.named.copyId": "Copy id",
  "common.named.copyIdOf": "Copy id of {name}",
  "common.named.guest": "{name} (guest)",
  "common.named.guestSuffix": "(guest)",
  "common.named.idTitle": "{name} · id {id}",
  "common.named.unknownGuest": "Unknown guest",
  "common.named.unknown.user": "Unknown user",
  "common.named.unknown.class": "Unknown class",
  "common.named.unknown.section": "Unknown section",

  "common.poll.correct": "correct answer:",
  "common.poll.yours": "your answer",
  "common.poll.answers": { one: "{count} answer", other: "{count} answers" },
  "common.poll.share": "{votes} · {pct}%",

  "common.react.legend": "React",
  "common.react.with": "React with {name}",
  "common.react.soFar": "Reactions so far:",
  "common.react.easy": "Easy — one reaction a second.",
  "common.react.total": "{name}: {count}",
  "common.react.thumbs": "thumbs up",
  "common.react.heart": "heart",
  "common.react.laughing": "laughing",
  "common.react.surprised": "surprised",
  "common.react.applause": "applause",
  "common.react.celebrate": "celebrate",

  "common.slide.label": "Slide {page} of {count}: {deck}",
  "common.slide.whiteboard": "Whiteboard",
  "common.slide.ink": {
    one: "{base}, with {count} drawn stroke",
    other: "{base}, with {count} drawn strokes",
  },

  "common.turnstile.failed": "The anti-robot check did not load. Reload the page and try again.",

  "common.conn.connected": "Connected",
  "common.conn.connecting": "Connecting…",
  "common.conn.reconnecting": "Reconnecting…",
  "common.conn.offline": "Offline",
  "common.conn.removed": "Removed",
  "common.live.title": {
    one: "About {count} student in class",
    other: "About {count} students in class",
  },
  "common.live.count": "≈ {n} in class",
  "common.live.students": "students",

  "common.role.teacher": "Teacher",
  "common.role.moderator": "Moderator",
  "common.role.admin": "Administrator",
  "common.role.student": "Student",
  "common.role.guest": "Guest",

  "common.chat.you": "you",
  "common.chat.edited": "edited",
  "common.reason.empty": "Empty",
  "common.reason.too_long": "Too long",
  "common.reason.rate_limited": "Rate limited",
  "common.reason.duplicate": "Duplicate",
  "common.reason.slow_mode": "Slow mode",
  "common.reason.blocked_word": "Blocked word",
  "common.reason.link_blocked": "Link not allowed",
  "common.reason.timed_out": "Timed out",
  "common.reject.empty": "Type a message first.",
  "common.reject.too_long": "Not sent: messages are at most {max} characters.",
  "common.reject.rate_limited": "Not sent: you're sending messages too fast.",
  "common.reject.rate_limited_wait":
    "Not sent: you're sending messages too fast. Try again in {wait} s.",
  "common.reject.duplicate": "Not sent: you already sent that message.",
  "common.reject.slow_mode": "Not sent: slow mode is on.",
  "common.reject.slow_mode_wait": "Not sent: slow mode is on. You can send again in {wait} s.",
  "common.reject.blocked_word": "Not sent: your message contains a word the teacher has blocked.",
  "common.reject.link_blocked": "Not sent: links aren't allowed in this class.",
  "common.reject.timed_out": "Not sent: you're timed out.",
  "common.reject.timed_out_until": "Not sent: you're timed out until {time}.",
  "common.reject.not_sent":
    "Not sent: the class didn't take this message. Check your connection and send it again.",

  "common.error.network": "Could not reach the server. Check your connection and try again.",
  "common.error.status": "Request failed ({status}).",
  "common.error.generic": "Something went wrong. Please try again.",
  "common.error.bad_request": "The request was not understood. Reload the page and try again.",
  "common.error.validation_failed":
    "Some of what you entered is not valid. Check it and try again.",
  "common.error.payload_too_large": "That is too large to upload.",
  "common.error.quota_exceeded": "Your storage is full. Delete something and try again.",
  "common.error.unauthenticated": "Please sign in again.",
  "common.error.forbidden": "You are not allowed to do that.",
  "common.error.not_found": "It is no longer there.",
  "common.error.email_taken": "An account with this email already exists.",
  "common.error.weak_password": "Choose a longer, harder to guess password.",
  "common.error.invalid_credentials": "Wrong email or password.",
  "common.error.account_disabled": "This account has been disabled.",
  "common.error.guest_access_disabled": "This class does not take guests. Sign in to join.",
  "common.error.banned": "You have been banned from this class.",
  "common.error.turnstile_failed": "The anti-robot check failed. Try again.",
  "common.error.invite_invalid": "This invitation is not valid any more.",
  "common.error.rate_limited": "Too many tries. Wait a moment and try again.",
  "common.error.conflict": "Someone changed this at the same time. Reload and try again.",
  "common.error.unsupported_media_type": "That kind of file is not supported.",
  "common.error.push_unavailable": "Class notifications are not available on this server.",
  "common.error.unavailable": "The service is not available right now. Try again later.",
  "common.socket.poll_closed": "The poll is closed.",
  "common.socket.too_late": "Too late: time was up.",
  "common.socket.already_answered": "You already answered; your first answer counts.",
  "common.socket.bad_choice": "That choice is not valid.",
  "common.socket.unknown_poll": "That poll is gone.",
  "common.socket.unknown_question": "That question is gone.",
  "common.socket.not_votable": "That question cannot be upvoted now.",
  "common.socket.own_question": "You cannot upvote your own question.",
  "common.socket.too_many_questions": "You have questions waiting for approval already.",
  "common.socket.rate_limited": "Too fast. Wait a moment and try again.",
  "common.socket.forbidden": "You are not allowed to do that.",
  "common.socket.other": "The class did not take that. Try again.",
} as const satisfies SourceCatalog;

const es: Translation<typeof en, "es"> = {
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

const ar: Translation<typeof en, "ar"> = {
  "common.brand": "Mass Class",
  "common.brandMark": "M",
  "common.skipToMain": "انتقل إلى المحتوى الرئيسي",
  "common.signOut": "تسجيل الخروج",
  "common.language": "اللغة",
  "common.loading": "جارٍ التحميل…",
  "common.cancel": "إلغاء",
  "common.notScheduled": "لم يُحدَّد موعد",
  "common.goToAccount": "انتقل إلى حسابك",
  "common.sessionFailed": "تعذّر تحميل جلستك",
  "common.titleSuffix": "{title} · Mass Class",
  "common.kb": "{n} ك.ب",
  "common.seconds": "{n} ث",

  "common.copy.link": "نسخ الرابط",
  "common.copy.done": "تم النسخ",
  "common.copy.failed": "تعذّر النسخ — حدّد الرابط",
  "common.named.copyId": "نسخ المعرّف",
  "common.named.copyIdOf": "نسخ معرّف {name}",
  "common.named.guest": "{name} (ضيف)",
  "common.named.guestSuffix": "(ضيف)",
  "common.named.idTitle": "{name} · المعرّف {id}",
  "common.named.unknownGuest": "ضيف غير معروف",
  "common.named.unknown.user": "مستخدم غير معروف",
  "common.named.unknown.class": "صف غير معروف",
  "common.named.unknown.section": "قسم غير معروف",

  "common.poll.correct": "الإجابة الصحيحة:",
  "common.poll.yours": "إجابتك",
  "common.poll.answers": {
    zero: "لا إجابات",
    one: "إجابة واحدة",
    two: "إجابتان",
    few: "{count} إجابات",
    many: "{count} إجابة",
    other: "{count} إجابة",
  },
  "common.poll.share": "{votes} · {pct}٪",

  "common.react.legend": "تفاعل",
  "common.react.with": "تفاعل بـ{name}",
  "common.react.soFar": "التفاعلات حتى الآن:",
  "common.react.easy": "على مهلك — تفاعل واحد في الثانية.",
  "common.react.total": "{name}: {count}",
  "common.react.thumbs": "إعجاب",
  "common.react.heart": "قلب",
  "common.react.laughing": "ضحك",
  "common.react.surprised": "دهشة",
  "common.react.applause": "تصفيق",
  "common.react.celebrate": "احتفال",

  "common.slide.label": "الشريحة {page} من {count}: {deck}",
  "common.slide.whiteboard": "السبورة",
  "common.slide.ink": {
    zero: "{base}، بلا خطوط مرسومة",
    one: "{base}، مع خط مرسوم واحد",
    two: "{base}، مع خطين مرسومين",
    few: "{base}، مع {count} خطوط مرسومة",
    many: "{base}، مع {count} خطًا مرسومًا",
    other: "{base}، مع {count} خط مرسوم",
  },

  "common.turnstile.failed": "لم يُحمَّل التحقق من أنك لست روبوتًا. أعد تحميل الصفحة وحاول مرة أخرى.",

  "common.conn.connected": "متصل",
  "common.conn.connecting": "جارٍ الاتصال…",
  "common.conn.reconnecting": "جارٍ إعادة الاتصال…",
  "common.conn.offline": "غير متصل",
  "common.conn.removed": "تمت إزالتك",
  "common.live.title": {
    zero: "لا طلاب في الصف",
    one: "طالب واحد تقريبًا في الصف",
    two: "طالبان تقريبًا في الصف",
    few: "نحو {count} طلاب في الصف",
    many: "نحو {count} طالبًا في الصف",
    other: "نحو {count} طالب في الصف",
  },
  "common.live.count": "≈ {n} في الصف",
  "common.live.students": "طلاب",

  "common.role.teacher": "المعلّم",
  "common.role.moderator": "مشرف",
  "common.role.admin": "مدير",
  "common.role.student": "طالب",
  "common.role.guest": "ضيف",

  "common.chat.you": "أنت",
  "common.chat.edited": "معدّلة",
  "common.reason.empty": "فارغة",
  "common.reason.too_long": "طويلة جدًا",
  "common.reason.rate_limited": "سريعة جدًا",
  "common.reason.duplicate": "مكرّرة",
  "common.reason.slow_mode": "الوضع البطيء",
  "common.reason.blocked_word": "كلمة محظورة",
  "common.reason.link_blocked": "رابط غير مسموح",
  "common.reason.timed_out": "موقوف مؤقتًا",
  "common.reject.empty": "اكتب رسالة أولًا.",
  "common.reject.too_long": "لم تُرسَل: الحد الأقصى للرسالة {max} حرف.",
  "common.reject.rate_limited": "لم تُرسَل: أنت ترسل الرسائل بسرعة كبيرة.",
  "common.reject.rate_limited_wait":
    "لم تُرسَل: أنت ترسل الرسائل بسرعة كبيرة. حاول مجددًا بعد {wait} ث.",
  "common.reject.duplicate": "لم تُرسَل: لقد أرسلت هذه الرسالة من قبل.",
  "common.reject.slow_mode": "لم تُرسَل: الوضع البطيء مفعّل.",
  "common.reject.slow_mode_wait": "لم تُرسَل: الوضع البطيء مفعّل. يمكنك الإرسال مجددًا بعد {wait} ث.",
  "common.reject.blocked_word": "لم تُرسَل: تحتوي رسالتك على كلمة حظرها المعلّم.",
  "common.reject.link_blocked": "لم تُرسَل: الروابط غير مسموحة في هذا الصف.",
  "common.reject.timed_out": "لم تُرسَل: أنت موقوف مؤقتًا.",
  "common.reject.timed_out_until": "لم تُرسَل: أنت موقوف مؤقتًا حتى {time}.",
  "common.reject.not_sent": "لم تُرسَل: لم يستلم الصف هذه الرسالة. تحقّق من اتصالك وأرسلها مجددًا.",

  "common.error.network": "تعذّر الوصول إلى الخادم. تحقّق من اتصالك وحاول مرة أخرى.",
  "common.error.status": "فشل الطلب ({status}).",
  "common.error.generic": "حدث خطأ ما. حاول مرة أخرى.",
  "common.error.bad_request": "لم يُفهَم الطلب. أعد تحميل الصفحة وحاول مرة أخرى.",
  "common.error.validation_failed": "بعض ما أدخلته غير صالح. راجعه وحاول مرة أخرى.",
  "common.error.payload_too_large": "الملف أكبر من أن يُرفَع.",
  "common.error.quota_exceeded": "مساحة التخزين ممتلئة. احذف شيئًا وحاول مرة أخرى.",
  "common.error.unauthenticated": "يُرجى تسجيل الدخول مرة أخرى.",
  "common.error.forbidden": "غير مسموح لك بفعل ذلك.",
  "common.error.not_found": "لم يعد موجودًا.",
  "common.error.email_taken": "يوجد حساب بهذا البريد الإلكتروني بالفعل.",
  "common.error.weak_password": "اختر كلمة مرور أطول ويصعب تخمينها.",
  "common.error.invalid_credentials": "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
  "common.error.account_disabled": "تم تعطيل هذا الحساب.",
  "common.error.guest_access_disabled": "لا يقبل هذا الصف الضيوف. سجّل الدخول للانضمام.",
  "common.error.banned": "تم حظرك من هذا الصف.",
  "common.error.turnstile_failed": "فشل التحقق من أنك لست روبوتًا. حاول مرة أخرى.",
  "common.error.invite_invalid": "لم تعد هذه الدعوة صالحة.",
  "common.error.rate_limited": "محاولات كثيرة جدًا. انتظر قليلًا وحاول مرة أخرى.",
  "common.error.conflict": "غيّر شخص آخر هذا في الوقت نفسه. أعد التحميل وحاول مرة أخرى.",
  "common.error.unsupported_media_type": "نوع الملف هذا غير مدعوم.",
  "common.error.push_unavailable": "إشعارات الصف غير متاحة على هذا الخادم.",
  "common.error.unavailable": "الخدمة غير متاحة الآن. حاول لاحقًا.",
  "common.socket.poll_closed": "الاستطلاع مغلق.",
  "common.socket.too_late": "فات الأوان: انتهى الوقت.",
  "common.socket.already_answered": "لقد أجبت بالفعل؛ إجابتك الأولى هي التي تُحتسب.",
  "common.socket.bad_choice": "هذا الاختيار غير صالح.",
  "common.socket.unknown_poll": "لم يعد هذا الاستطلاع موجودًا.",
  "common.socket.unknown_question": "لم يعد هذا السؤال موجودًا.",
  "common.socket.not_votable": "لا يمكن التصويت لهذا السؤال الآن.",
  "common.socket.own_question": "لا يمكنك التصويت لسؤالك.",
  "common.socket.too_many_questions": "لديك أسئلة تنتظر الموافقة بالفعل.",
  "common.socket.rate_limited": "سريع جدًا. انتظر قليلًا وحاول مرة أخرى.",
  "common.socket.forbidden": "غير مسموح لك بفعل ذلك.",
  "common.socket.other": "لم يقبل الصف ذلك. حاول مرة أخرى.",
};

/** The common catalogs, for an area's translator: `translator(merge(common, area))`. */
export const common: Catalogs<typeof en> = { en, es, ar };

/** web/components and web/lib translate with this. */
export const { t, rich } = translator(common);

type ErrorKey = Extract<keyof typeof en, `common.error.${string}`>;
type SocketKey = Extract<keyof typeof en, `common.socket.${string}`>;

/**
 * What to show for a classroom `error` frame: in English the server's own message, in
 * other languages the catalog's for its code (the server speaks English only).
 */
export function socketErrorText(err: { code: string; message: string }): string {
  if (locale() === "en") return err.message;
  const key = `common.socket.${err.code}`;
  return key in en ? t(key as SocketKey) : t("common.socket.other");
}

/** The message for an API error code in this language (codes without their own share one). */
export function apiErrorText(code: ApiErrorCode | "network"): string {
  const key = `common.error.${code}`;
  if (key in en) return t(key as ErrorKey);
  if (code === "invalid_json" || code === "csrf_origin_mismatch")
    return t("common.error.bad_request");
  if (code === "internal") return t("common.error.generic");
  return t("common.error.unavailable");
}
