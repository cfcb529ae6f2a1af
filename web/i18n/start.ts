/**
 * Messages of the start, sign-in and account pages (web/index): keys `start.*`, English here, Spanish and Arabic in start.es.ts /
 * start.ar.ts (loaded on demand). Usage: web/i18n/core.ts.
 */
import { common } from "./common.ts";
import { type LazyCatalogs, lazyCatalogs, merge, type SourceCatalog, translator } from "./core.ts";

const en = {
  "start.landing.hero": "One teacher. A whole stadium of students.",
  "start.landing.lead":
    "Mass Class streams your lesson to everyone through YouTube, while chat, questions and polls stay in step with what each student sees.",
  "start.landing.joining": "Joining a class? Open the link your teacher shared.",
  "start.auth.enterEmail": "Enter your email address.",
  "start.auth.enterPassword": "Enter a password.",
  "start.auth.enterName": "Enter a display name.",
  "start.auth.invalid.email": "Enter a valid email address.",
  "start.auth.invalid.password": "Check your password.",
  "start.auth.invalid.displayName": "Display names are 1 to 60 characters.",
  "start.auth.createTitle": "Create your account",
  "start.auth.displayName": "Display name",
  "start.auth.displayNameHint": "Shown to your class.",
  "start.auth.email": "Email",
  "start.auth.password": "Password",
  "start.auth.passwordHint": "At least 10 characters, mixing letters with digits or symbols.",
  "start.auth.invited": "You were invited to teach: this account will be a teacher account.",
  "start.auth.roleNote":
    "New accounts join classes. To run classes, ask your school's admin for the teacher role or an invite link.",
  "start.auth.wait": "Please wait…",
  "start.auth.create": "Create account",
  "start.auth.haveAccount": "Already have an account?",
  "start.auth.new": "New to Mass Class?",
  "start.account.title": "Your account",
  "start.account.name": "Name",
  "start.account.email": "Email",
  "start.account.role": "Role",
  "start.account.studio": "Go to the studio",
  "start.account.admin": "Admin",
  "start.account.badLink":
    "Paste the whole join link (it looks like …/c/abc123) or just the class code.",
  "start.account.join": "Join a class",
  "start.account.link": "Join link or class code",
  "start.account.open": "Open class",
  "start.home.unreachable": "Mass Class is unreachable",
  "start.account.linkPlaceholder": "https://…/c/abc123",
  "start.signIn": "Sign in",
  "start.signUp": "Create an account",
} as const satisfies SourceCatalog;

/** The English source messages' type (the translations are typed against it). */
export type StartSource = typeof en;

/** The start catalogs. */
export const start: LazyCatalogs<StartSource> = lazyCatalogs(
  en,
  () => import("./start.es.ts"),
  () => import("./start.ar.ts"),
);

/** web/index translates with this (it knows the common keys too). */
export const { t, rich } = translator(merge(common, start));
