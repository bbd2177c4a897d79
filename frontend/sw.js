// Sideline's service worker: the app shell opens offline, and the conversations last loaded
// can be read offline. API data lives in its own cache, which the app clears on sign-out.
const SHELL = "sideline-shell-v1";
const API = "sideline-api-v1";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    const index = await fetch("/index.html", { cache: "no-store" });
    const html = await index.clone().text();
    // Trunk names assets by content hash; take them from the page itself.
    const assets = [...html.matchAll(/(?:href|src|module_or_path:)\s*=?\s*['"](\/[^'"]+\.(?:js|wasm|css|webmanifest|png))['"]/g)].map((m) => m[1]);
    await cache.put("/index.html", index);
    await cache.addAll([...new Set([...assets, "/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png"])]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== SHELL && key !== API) await caches.delete(key);
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
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await caches.open(SHELL)).match("/index.html")));
    return;
  }
  event.respondWith((async () => (await (await caches.open(SHELL)).match(request)) || networkFirst(request, SHELL))());
});
