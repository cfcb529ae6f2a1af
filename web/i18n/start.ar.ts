/**
 * The Arabic translation of web/i18n/start.ts, loaded on demand (only a page shown in
 * Arabic fetches it). A key missing here, or one English lacks, fails `npm run typecheck`.
 */
import type { Translation } from "./core.ts";
import type { StartSource } from "./start.ts";

const ar: Translation<StartSource, "ar"> = {
  "start.landing.hero": "معلّم واحد. ملعب كامل من الطلاب.",
  "start.landing.lead":
    "يبثّ Mass Class درسك للجميع عبر YouTube، بينما تبقى الدردشة والأسئلة والاستطلاعات متزامنة مع ما يراه كل طالب.",
  "start.landing.joining": "هل تنضم إلى صف؟ افتح الرابط الذي شاركه معلّمك.",
  "start.auth.enterEmail": "أدخل بريدك الإلكتروني.",
  "start.auth.enterPassword": "أدخل كلمة مرور.",
  "start.auth.enterName": "أدخل اسمًا للعرض.",
  "start.auth.invalid.email": "أدخل بريدًا إلكترونيًا صالحًا.",
  "start.auth.invalid.password": "تحقّق من كلمة المرور.",
  "start.auth.invalid.displayName": "يتكوّن اسم العرض من 1 إلى 60 حرفًا.",
  "start.auth.createTitle": "أنشئ حسابك",
  "start.auth.displayName": "اسم العرض",
  "start.auth.displayNameHint": "يظهر لصفك.",
  "start.auth.email": "البريد الإلكتروني",
  "start.auth.password": "كلمة المرور",
  "start.auth.passwordHint": "10 أحرف على الأقل، تمزج الحروف بالأرقام أو الرموز.",
  "start.auth.invited": "تمت دعوتك للتدريس: سيكون هذا الحساب حساب معلّم.",
  "start.auth.roleNote":
    "تنضم الحسابات الجديدة إلى الصفوف. لإدارة الصفوف، اطلب من مدير مدرستك دور المعلّم أو رابط دعوة.",
  "start.auth.wait": "يُرجى الانتظار…",
  "start.auth.create": "إنشاء الحساب",
  "start.auth.haveAccount": "لديك حساب بالفعل؟",
  "start.auth.new": "جديد على Mass Class؟",
  "start.account.title": "حسابك",
  "start.account.name": "الاسم",
  "start.account.email": "البريد الإلكتروني",
  "start.account.role": "الدور",
  "start.account.studio": "انتقل إلى الاستوديو",
  "start.account.admin": "الإدارة",
  "start.account.badLink": "الصق رابط الانضمام كاملًا (يبدو هكذا: ‎…/c/abc123) أو رمز الصف فقط.",
  "start.account.join": "انضم إلى صف",
  "start.account.link": "رابط الانضمام أو رمز الصف",
  "start.account.open": "افتح الصف",
  "start.home.unreachable": "تعذّر الوصول إلى Mass Class",
  "start.account.linkPlaceholder": "https://…/c/abc123",
  "start.signIn": "تسجيل الدخول",
  "start.signUp": "إنشاء حساب",
};

export default ar;
