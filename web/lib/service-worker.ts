/**
 * Registers the service worker (/sw.js: push notices and the offline shell) on the pages a
 * person may install or open offline. Registration waits for `load` so it never competes
 * with the page's own first requests; browsers without service workers skip it.
 */
export function registerServiceWorker(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  const register = () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // Private windows and some embedded browsers refuse; the page works without it.
    });
  };
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
}
