/**
 * The Spanish translation of web/i18n/start.ts, loaded on demand (only a page shown in
 * Spanish fetches it). A key missing here, or one English lacks, fails `npm run typecheck`.
 */
import type { Translation } from "./core.ts";
import type { StartSource } from "./start.ts";

const es: Translation<StartSource, "es"> = {
  "start.landing.hero": "Un docente. Un estadio entero de estudiantes.",
  "start.landing.lead":
    "Mass Class emite tu clase para todos a través de YouTube, mientras el chat, las preguntas y las encuestas van al compás de lo que ve cada estudiante.",
  "start.landing.joining": "¿Vas a unirte a una clase? Abre el enlace que compartió tu docente.",
  "start.auth.enterEmail": "Escribe tu correo electrónico.",
  "start.auth.enterPassword": "Escribe una contraseña.",
  "start.auth.enterName": "Escribe un nombre visible.",
  "start.auth.invalid.email": "Escribe un correo electrónico válido.",
  "start.auth.invalid.password": "Revisa tu contraseña.",
  "start.auth.invalid.displayName": "El nombre visible tiene de 1 a 60 caracteres.",
  "start.auth.createTitle": "Crea tu cuenta",
  "start.auth.displayName": "Nombre visible",
  "start.auth.displayNameHint": "Lo verá tu clase.",
  "start.auth.email": "Correo electrónico",
  "start.auth.password": "Contraseña",
  "start.auth.passwordHint": "Al menos 10 caracteres, con letras y números o símbolos.",
  "start.auth.invited": "Te invitaron a enseñar: esta cuenta será una cuenta de docente.",
  "start.auth.roleNote":
    "Las cuentas nuevas se unen a clases. Para dar clases, pide al administrador de tu centro el rol de docente o un enlace de invitación.",
  "start.auth.wait": "Espera…",
  "start.auth.create": "Crear cuenta",
  "start.auth.haveAccount": "¿Ya tienes cuenta?",
  "start.auth.new": "¿Eres nuevo en Mass Class?",
  "start.account.title": "Tu cuenta",
  "start.account.name": "Nombre",
  "start.account.email": "Correo electrónico",
  "start.account.role": "Rol",
  "start.account.studio": "Ir al estudio",
  "start.account.admin": "Administración",
  "start.account.badLink":
    "Pega el enlace completo (tiene este aspecto: …/c/abc123) o solo el código de la clase.",
  "start.account.join": "Unirse a una clase",
  "start.account.link": "Enlace o código de la clase",
  "start.account.open": "Abrir la clase",
  "start.home.unreachable": "No se puede acceder a Mass Class",
  "start.account.linkPlaceholder": "https://…/c/abc123",
  "start.signIn": "Iniciar sesión",
  "start.signUp": "Crear una cuenta",
};

export default es;
