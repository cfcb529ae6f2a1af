// The offline notice's script (web/sw.js adds it with the notice; web/public/offline.html
// has it too): back online, load the live page again. A file, not inline, because the
// Content-Security-Policy allows only 'self' scripts.
//
// The `online` event can come before requests get through again, and a reload then would
// only bring the saved copy back, so first probe the network with a HEAD request (not a
// GET: the service worker passes those by, uncached). A reload that still lands on the
// saved copy (the network came back a moment later) starts probing again at once, since
// the `online` event has already fired; a few such reloads a minute at most, so a server
// that answers HEAD but not the page cannot make the page reload forever.
let probing = false;
async function probe() {
  if (probing) return;
  probing = true;
  for (let i = 0; i < 30; i++) {
    try {
      await fetch("/manifest.webmanifest", { method: "HEAD", cache: "no-store" });
      const now = Date.now();
      const recent = JSON.parse(sessionStorage.getItem("offline-reloads") ?? "[]").filter(
        (t) => now - t < 60_000,
      );
      if (recent.length >= 3) break;
      sessionStorage.setItem("offline-reloads", JSON.stringify([...recent, now]));
      location.reload();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  probing = false;
}
addEventListener("online", probe);
if (navigator.onLine) probe();

// The notice and the offline page in the reader's language: the one they chose
// (web/i18n/core.ts keeps it in localStorage "mc.locale"), else the browser's. English is
// in the markup; the app's catalogs are not loaded here.
const WORDS = {
  es: {
    banner:
      "Sin conexión: esta es la copia guardada en este dispositivo. Se recarga cuando vuelvas a estar en línea. ",
    retry: "Reintentar",
    title: "No tienes conexión",
    text: "Esta página necesita internet y este dispositivo no está conectado. Se abrirá sola cuando vuelva la conexión.",
    open: "Abrir Mass Class",
  },
  ar: {
    banner:
      "أنت غير متصل: هذه النسخة المحفوظة على هذا الجهاز. يُعاد تحميلها عند عودتك إلى الاتصال. ",
    retry: "حاول مجددًا",
    title: "أنت غير متصل",
    text: "تحتاج هذه الصفحة إلى الإنترنت، وهذا الجهاز غير متصل. ستفتح من تلقاء نفسها عند عودة الاتصال.",
    open: "افتح Mass Class",
  },
};
function language() {
  let chosen = null;
  try {
    chosen = localStorage.getItem("mc.locale");
  } catch {}
  for (const tag of [chosen, ...(navigator.languages ?? [])]) {
    const base = (tag ?? "").toLowerCase().split("-")[0];
    if (base === "en" || base in WORDS) return base;
  }
  return "en";
}
function translate() {
  const lang = language();
  const w = WORDS[lang];
  if (!w) return;
  const banner = document.querySelector(".offline-banner");
  if (banner) {
    banner.lang = lang;
    banner.dir = lang === "ar" ? "rtl" : "ltr";
    if (banner.firstChild) banner.firstChild.textContent = w.banner;
    const retry = banner.querySelector("a");
    if (retry) retry.textContent = w.retry;
  }
  const page = document.querySelector('[data-testid="offline-page"]');
  if (page) {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    const [h1, p, a] = [page.querySelector("h1"), page.querySelector("p"), page.querySelector("a")];
    if (h1) h1.textContent = w.title;
    if (p) p.textContent = w.text;
    if (a) a.textContent = w.open;
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", translate);
else translate();
