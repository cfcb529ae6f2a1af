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
