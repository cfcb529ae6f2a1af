// The offline notice's script (web/sw.js adds it with the notice): back online, load the
// live page again. A file, not inline, because the Content-Security-Policy allows only
// 'self' scripts.
addEventListener("online", () => location.reload());
