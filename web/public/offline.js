// The offline notice's script (web/sw.js adds it with the notice; web/public/offline.html
// has it too): back online, load the live page again. A file, not inline, because the
// Content-Security-Policy allows only 'self' scripts.
//
// The `online` event can come before requests get through again, and a reload then would
// only bring the saved copy back, so first probe the network with a HEAD request (not a
// GET: the service worker passes those by, uncached).
let probing = false;
addEventListener("online", async () => {
  if (probing) return;
  probing = true;
  for (let i = 0; i < 30; i++) {
    try {
      await fetch("/manifest.webmanifest", { method: "HEAD", cache: "no-store" });
      location.reload();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  probing = false;
});
