/**
 * The Arabic translation of web/i18n/replay.ts, loaded on demand (only a page shown in
 * Arabic fetches it). A key missing here, or one English lacks, fails `npm run typecheck`.
 */
import type { Translation } from "./core.ts";
import type { ReplaySource } from "./replay.ts";

const ar: Translation<ReplaySource, "ar"> = {
  "replay.loading": "جارٍ تحميل الإعادة…",
  "replay.back": "العودة إلى الصف",
  "replay.title": "إعادة: {title}",
  "replay.onAir": "لا يزال الصف على الهواء: تُفتح إعادته عند انتهائه.",
  "replay.never": "لم يُبثّ هذا الصف مباشرة قط، لذا لا يوجد ما يُعاد.",
  "replay.recording": "التسجيل",
  "replay.processing": "لا يزال YouTube يعالج التسجيل. استخدم شريط الموضع أدناه للتنقل في الصف.",
  "replay.local": "لا تسجيل: البيئة المحلية لا تسجّل البث. استخدم شريط الموضع أدناه للتنقل في الصف.",
  "replay.none": "لا يوجد تسجيل لهذا الصف. استخدم شريط الموضع أدناه للتنقل في الصف.",
  "replay.position": "الموضع في الصف",
  "replay.of": "{pos} من {duration}",
  "replay.time": "{pos} / {duration}",
  "replay.trimmed": "لم تعد بداية سجل هذا الصف محفوظة: تعرض الإعادة ما تبقّى.",
  "replay.noSlide": "لا توجد شريحة على الشاشة في هذه اللحظة.",
  "replay.leaderboard": "لوحة متصدري الاختبار",
  "replay.liveFrom": "بُثّ مباشرة من {start}.",
  "replay.liveFromTo": "بُثّ مباشرة من {start} إلى {end}.",
  "replay.polls": "الاستطلاعات",
  "replay.kindQuiz": "اختبار",
  "replay.kindPoll": "استطلاع",
  "replay.stateOpen": "مفتوح",
  "replay.stateRevealed": "النتائج معروضة",
  "replay.stateClosed": "مغلق",
  "replay.pollMeta": "({kind}، {state})",
  "replay.answered": "الأسئلة المُجاب عنها",
  "replay.ytFailedText":
    "لا يمكن الوصول إلى YouTube من هذه الشبكة. لا يزال شريط الموضع أدناه يتنقل بين الشرائح والاستطلاعات والأسئلة.",
  "replay.loadingRecording": "جارٍ تحميل التسجيل…",
  "replay.noVideo": "لا يوجد فيديو لهذه الإعادة",
  "replay.pause": "إيقاف مؤقت",
  "replay.play": "شغّل الإعادة",
  "replay.ytFailed": "تعذّر تحميل مشغّل الفيديو",
};

export default ar;
