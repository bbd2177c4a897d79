// Sideline's service worker, one per app: the staff app's at /sw.js (scope /), the client
// app's at /c/sw.js (scope /c/). Each keeps its own app shell, so it opens offline, and the
// conversations last loaded, which can be read offline. API data lives in its own cache, which
// the app clears on sign-out.
const BASE = new URL(self.registration.scope).pathname; // "/" or "/c/"
const SHELL = `sideline-shell-v2-${BASE}`;
const API = "sideline-api-v1";
// The client app lives under /c/: the staff app's worker leaves it to its own. The client app's
// door (/c/a/: signing in, invites, password resets, the account) is opened seldom and online:
// the client app's worker leaves it to the network.
const OTHER_APP = BASE === "/" ? "/c/" : "/c/a/";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    const index = await fetch(`${BASE}index.html`, { cache: "no-store" });
    const html = await index.clone().text();
    // Trunk names assets by content hash; take them from the page itself.
    const assets = [...html.matchAll(/(?:href|src|module_or_path:)\s*=?\s*['"](\/[^'"]+\.(?:js|wasm|css|webmanifest|png))['"]/g)]
      .map((m) => m[1])
      .filter((path) => path.startsWith(BASE) && !(OTHER_APP && path.startsWith(OTHER_APP)));
    await cache.put(`${BASE}index.html`, index);
    await cache.addAll([...new Set([...assets, `${BASE}manifest.webmanifest`, `${BASE}icons/icon-192.png`, `${BASE}icons/icon-512.png`])]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      // Only this app's old shells: the other app's shell and the API cache are not ours.
      if (key !== SHELL && key.startsWith("sideline-shell-") && key.endsWith(`-${BASE}`)) await caches.delete(key);
      if (key === "sideline-shell-v1") await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname === "/ws") return;
  if (url.pathname.startsWith("/api/")) {
    // Only what the app shows offline: the conversation list and history pages.
    if (url.pathname.startsWith("/api/conversations")) event.respondWith(networkFirst(request, API));
    return;
  }
  if (!url.pathname.startsWith(BASE) || (OTHER_APP && url.pathname.startsWith(OTHER_APP))) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await caches.open(SHELL)).match(`${BASE}index.html`)));
    return;
  }
  event.respondWith((async () => (await (await caches.open(SHELL)).match(request)) || networkFirst(request, SHELL))());
});

// A push (Web Push, from the server): shown as a notification, one per conversation (its tag
// replaces the earlier one), unless this app is in front on that very page already.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (err) { data = { body: event.data.text() }; }
  const url = new URL(data.url || BASE, self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    if (windows.some((w) => w.visibilityState === "visible" && w.focused && w.url === url)) return;
    await self.registration.showNotification(data.title || "Sideline", {
      body: data.body || "",
      tag: data.tag || undefined,
      renotify: Boolean(data.tag),
      icon: `${BASE}icons/icon-192.png`,
      badge: `${BASE}icons/icon-192.png`,
      data: { url },
    });
  })());
});

// A tap opens what the notification is about: in a window of the app already open if there is
// one, else a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || new URL(BASE, self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const mine = windows.find((w) => new URL(w.url).pathname.startsWith(BASE));
    if (mine) {
      await mine.focus();
      if ("navigate" in mine) return mine.navigate(url);
      return undefined;
    }
    return self.clients.openWindow(url);
  })());
});
