// The waiting-room screen (display.html): reads the display key from the fragment
// (#key=…), asks GET /api/v1/display every second and shows the ticket being called, the
// last calls, the drug alerts and the administrators' information screens, in the site's
// languages in turn (texts from GET /api/v1/i18n/{lang}). The feed's items come ahead of their
// time: each is shown from its `from` until its `until` by this page's own clock. A freeze shows only a calm pause. Text goes in with textContent
// only, never as markup; there is no inline script or style (the page's CSP forbids both).
"use strict";

(() => {
  // The route holds the request up to this long while nothing changes (a long-poll), so a
  // call shows at once; after an error the page asks again this much later.
  // `#…&hold=0` in the address asks every second instead (a proxy that cuts held requests).
  const HOLD_S = 25;
  const RETRY_MS = 1000;
  // One language's turn on the screen.
  const ROTATE_MS = 6000;
  // A request that takes longer than its hold has failed: the screen says it is reconnecting.
  const FETCH_TIMEOUT_MS = HOLD_S * 1000 + 5000;
  // A refused key is asked about again this seldom (a new key needs a new URL anyway).
  const REFUSED_RETRY_MS = 10000;
  // Further tickets called at once, listed small under the big one.
  const ALSO_MAX = 2;
  // Calls remembered as announced, so that none chimes twice (a freeze hides them all).
  const SEEN_MAX = 200;
  // The chime: two falling tones, as a doorbell, soft enough for a quiet room.
  const CHIME = [
    { hz: 880, at: 0, len: 0.45 },
    { hz: 660, at: 0.5, len: 0.8 },
  ];
  const CHIME_GAIN = 0.3;
  // The chime's length: its last tone ends at 0.5 + 0.8 s; the announcement waits for it.
  const CHIME_MS = 1300;
  // A browser that never starts an utterance (no voice, speech not allowed before a tap)
  // gets this long, plus this much per character, before the next; one that started gets
  // at most SPEAK_MAX_MS to say it has ended.
  const SPEAK_WAIT_MS = 1000;
  const SPEAK_MS_PER_CHAR = 60;
  const SPEAK_MAX_MS = 30000;
  // Queue entries remembered for window.ankDisplaySpeech.log.
  const SPEECH_LOG_MAX = 50;
  // A catalog central does not have (a language the config names but no file) is asked
  // for again this seldom, not on every poll.
  const CATALOG_RETRY_MS = 60000;
  // The catalog whose texts stand in for a missing one (the source language).
  const SOURCE_LANG = "en";
  const KEY_RE = /^[0-9a-f]{64}$/;

  const $ = (id) => document.getElementById(id);
  const el = {
    alert: $("alert"), alertTitle: $("alert-title"), alertText: $("alert-text"),
    alertMore: $("alert-more"), info: $("info"), infoTitle: $("info-title"),
    infoBody: $("info-body"), infoLink: $("info-link"), infoQr: $("info-qr"), infoIcon: $("info-icon"),
    board: $("board"), nowTitle: $("now-title"), nowLabel: $("now-label"),
    nowStation: $("now-station"), also: $("also"), lastTitle: $("last-title"),
    lastList: $("last-list"), paused: $("paused"), pausedText: $("paused-text"),
    message: $("message"), messageText: $("message-text"), siteName: $("site-name"),
    sound: $("sound"), reconnecting: $("reconnecting"),
  };

  const catalogs = new Map(); // lang → Promise of {messages, direction}
  const loaded = new Map();   // lang → {messages, direction}, once fetched
  const failed = new Map();   // lang → when its catalog last failed (Date.now())
  let allLangs = null;        // every catalog central has: the turn before any site config
  let key = null;
  let last = null;            // the last good answer
  let langs = [];
  let turn = 0;
  let failing = false;
  let refused = false;
  let seen = [];              // ids (label@at_ms) of calls already announced, oldest first
  let audio = null;
  let soundAsk = false;       // the browser waits for a tap before the page may play

  // ---- texts ----

  function catalog(lang) {
    if (!catalogs.has(lang) && Date.now() - (failed.get(lang) || -Infinity) < CATALOG_RETRY_MS)
      return Promise.reject(new Error("catalog " + lang + " failed a moment ago"));
    if (!catalogs.has(lang)) {
      const p = fetch("/api/v1/i18n/" + encodeURIComponent(lang), { cache: "no-store" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error("catalog " + r.status))))
        .then((j) => {
          const c = { messages: j.messages || {}, direction: j.direction === "rtl" ? "rtl" : "ltr" };
          loaded.set(lang, c);
          render();
          return c;
        })
        .catch((e) => {
          catalogs.delete(lang); // asked again later
          failed.set(lang, Date.now());
          throw e;
        });
      catalogs.set(lang, p);
    }
    return catalogs.get(lang);
  }

  function languageList() {
    if (!allLangs) {
      allLangs = fetch("/api/v1/i18n", { cache: "no-store" })
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error("i18n " + r.status))))
        .then((j) => (j.languages || []).map((l) => l.lang).filter((l) => typeof l === "string"))
        .catch((e) => {
          allLangs = null;
          throw e;
        });
    }
    return allLangs;
  }

  // The languages that take turns: the site's whose texts are in.
  function ready() {
    return langs.filter((l) => loaded.has(l));
  }

  // The language on screen now: this turn's of the ready ones, else any loaded one.
  function currentLang() {
    const r = ready();
    if (r.length) return r[turn % r.length];
    return loaded.keys().next().value || null;
  }

  // A catalog text with {name} placeholders filled; the source language's when missing.
  function t(lang, k, args) {
    const own = loaded.get(lang);
    const src = loaded.get(SOURCE_LANG);
    const text = (own && own.messages[k]) || (src && src.messages[k]) || "";
    // Placeholders the one way every page fills them (static/common.js).
    return Ank.format(text, args);
  }

  // ---- sound ----

  function setupSound() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      audio = new AC();
    } catch (e) {
      audio = null;
      return;
    }
    if (audio.state === "running") return; // this browser lets the page play already
    soundAsk = true;
    el.sound.addEventListener("click", () => {
      audio.resume().then(() => {
        soundAsk = false;
        el.sound.hidden = true;
        chime();
      });
    });
  }

  function chime() {
    if (!audio || audio.state !== "running") return;
    const t0 = audio.currentTime + 0.05;
    for (const tone of CHIME) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = tone.hz;
      const start = t0 + tone.at;
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(CHIME_GAIN, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, start + tone.len);
      osc.connect(gain).connect(audio.destination);
      osc.start(start);
      osc.stop(start + tone.len + 0.05);
    }
  }

  // ---- spoken announcements: chime, then the call in each language, one at a time ----

  const speech = { queue: [], busy: false, log: [] };
  window.ankDisplaySpeech = {
    log: speech.log, // {kind: "chime"|"speech", lang, text, start, end, said} in order
    pending: () => speech.queue.length + (speech.busy ? 1 : 0),
    languages: () => ready(),
  };

  function announce(c) {
    speech.queue.push({ kind: "chime" });
    for (const lang of ready())
      speech.queue.push({
        kind: "speech", lang,
        text: t(lang, "display.announce", { ticket: c.label, station: c.station }),
      });
    speakNext();
  }

  // The browser's voice for lang: undefined when it lists none (it picks by the
  // utterance's language), null when it lists voices but none for lang.
  function voiceFor(lang) {
    const voices = window.speechSynthesis.getVoices();
    if (!voices.length) return undefined;
    return voices.find((v) => String(v.lang).toLowerCase().startsWith(lang)) || null;
  }

  function speakNext() {
    if (speech.busy || !speech.queue.length) return;
    const item = speech.queue.shift();
    speech.busy = true;
    const entry = { kind: item.kind, lang: item.lang || null, text: item.text || "",
      start: performance.now(), end: null, said: false };
    speech.log.push(entry);
    if (speech.log.length > SPEECH_LOG_MAX) speech.log.shift();
    let done = false;
    let timer = null;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      entry.end = performance.now();
      speech.busy = false;
      speakNext();
    };
    if (item.kind === "chime") {
      chime();
      timer = setTimeout(finish, CHIME_MS);
      return;
    }
    const can = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;
    const voice = can ? voiceFor(item.lang) : null;
    // No voice for this language: the chime has told the room already.
    if (voice === null) {
      finish();
      return;
    }
    const u = new SpeechSynthesisUtterance(item.text);
    u.lang = item.lang;
    if (voice) u.voice = voice;
    u.onstart = () => {
      entry.said = true;
      clearTimeout(timer);
      timer = setTimeout(finish, SPEAK_MAX_MS);
    };
    u.onend = finish;
    u.onerror = finish;
    timer = setTimeout(finish, SPEAK_WAIT_MS + item.text.length * SPEAK_MS_PER_CHAR);
    window.speechSynthesis.speak(u);
  }

  // ---- the administrators' items (GET /api/v1/display "items") ----

  // The items of `kind` inside their box now, by this page's clock.
  function liveItems(d, kind) {
    const now = Date.now();
    return (Array.isArray(d.items) ? d.items : []).filter((it) =>
      it && it.kind === kind && Date.parse(it.from) <= now && now < Date.parse(it.until));
  }

  // The QR of an information screen from the modules central encoded (qr_modules, row by
  // row): one SVG path of unit squares with a quiet zone of 4, dark on white; the address is
  // also written beside it. Drawn again only when the item changes.
  const SVG_NS = "http://www.w3.org/2000/svg";
  let qrDrawn = null;
  function drawQr(it) {
    const bits = typeof it.qr_modules === "string" ? it.qr_modules : "";
    const n = Number.isInteger(it.qr_size) ? it.qr_size : 0;
    if (qrDrawn === bits) return;
    qrDrawn = bits;
    el.infoQr.replaceChildren();
    if (!n || bits.length !== n * n) return;
    let d = "";
    for (let i = 0; i < bits.length; i++)
      if (bits[i] === "1") d += "M" + ((i % n) + 4) + " " + (Math.floor(i / n) + 4) + "h1v1h-1z";
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + (n + 8) + " " + (n + 8));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "QR: " + (it.qr || ""));
    const bg = document.createElementNS(SVG_NS, "rect");
    bg.setAttribute("width", n + 8);
    bg.setAttribute("height", n + 8);
    bg.setAttribute("fill", "#ffffff");
    const p = document.createElementNS(SVG_NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "#000000");
    svg.append(bg, p);
    el.infoQr.append(svg);
  }

  // An item's texts in lang, else Danish (every item has it), else its first; with the
  // language they are in.
  function itemText(it, lang) {
    const texts = it.texts || {};
    const l = texts[lang] ? lang : texts.da ? "da" : Object.keys(texts)[0];
    return Object.assign({ lang: l }, texts[l] || {});
  }

  // ---- drawing ----

  function li(label, station) {
    const item = document.createElement("li");
    const a = document.createElement("span");
    a.className = "label";
    a.textContent = label;
    const b = document.createElement("span");
    b.className = "station";
    b.textContent = station;
    item.append(a, b);
    return item;
  }

  function setDir(lang) {
    const root = document.documentElement;
    const c = loaded.get(lang);
    root.lang = lang;
    root.dir = c ? c.direction : "ltr";
  }

  // A screen of one message only: no key, or a refused one.
  function showMessage(k) {
    const lang = currentLang();
    if (!lang) return;
    setDir(lang);
    el.board.hidden = el.paused.hidden = el.alert.hidden = true;
    el.message.hidden = false;
    el.messageText.textContent = t(lang, k);
    el.siteName.textContent = "";
    el.reconnecting.hidden = true;
    el.sound.hidden = true;
  }

  function render() {
    if (!key) {
      showMessage("display.no_key");
      return;
    }
    if (refused) {
      showMessage("display.key_refused");
      return;
    }
    const lang = currentLang();
    if (!lang) return;
    setDir(lang);
    el.reconnecting.textContent = t(lang, "display.reconnecting");
    el.reconnecting.hidden = !failing;
    el.sound.textContent = t(lang, "display.sound_on");
    el.sound.hidden = !soundAsk;
    if (!last) return; // nothing good yet: only the reconnecting mark
    const d = last;
    el.message.hidden = true;
    el.siteName.textContent = d.name || "";

    // One list of alerts, as on the kiosk: the site config's and the composed ones shown
    // now, dangers first.
    const alerts = d.alert || {};
    const iniText = alerts[lang] || alerts[(d.languages || [])[0]] || Object.values(alerts)[0];
    const shown = [];
    if (iniText) shown.push({ severity: d.alert_severity === "danger" ? "danger" : "warning", text: iniText });
    for (const it of liveItems(d, "alert")) shown.push({ severity: it.severity, text: itemText(it, lang).text });
    shown.sort((a, b) => (b.severity === "danger") - (a.severity === "danger"));
    el.alert.hidden = !shown.length;
    el.alert.classList.toggle("alert-danger", !!shown.length && shown[0].severity === "danger");
    const title = (a) => t(lang, a.severity === "danger" ? "welcome.alert_title_danger" : "welcome.alert_title");
    if (shown.length) {
      el.alertTitle.textContent = title(shown[0]);
      el.alertText.textContent = shown[0].text || "";
    }
    el.alertMore.replaceChildren(...shown.slice(1).map((a) => {
      const p = document.createElement("p");
      const b = document.createElement("span");
      b.className = "alert-title";
      b.textContent = title(a);
      p.append(b, " ", a.text || "");
      return p;
    }));

    // The information screens shown now: one at a time, each through all the languages.
    const infos = liveItems(d, "info");
    el.info.hidden = !infos.length || d.frozen;
    if (infos.length) {
      const per = ROTATE_MS * Math.max(1, ready().length);
      const it = infos[Math.floor(Date.now() / per) % infos.length];
      const x = itemText(it, lang);
      el.info.lang = x.lang;
      el.infoTitle.textContent = x.title || "";
      el.infoBody.textContent = x.body || "";
      // The item's pictogram, one of the vetted set central serves (/icons/NAME.svg; a name
      // is a slug, checked at central when the item was saved).
      const icon = typeof it.pictogram === "string" && /^[a-z_]+$/.test(it.pictogram) ? "/icons/" + it.pictogram + ".svg" : "";
      if (el.infoIcon.getAttribute("src") !== icon) {
        if (icon) el.infoIcon.setAttribute("src", icon);
        else el.infoIcon.removeAttribute("src");
      }
      el.infoIcon.hidden = !icon;
      el.infoLink.textContent = it.qr || "";
      el.infoLink.hidden = !it.qr;
      drawQr(it);
    }

    if (d.frozen) {
      el.board.hidden = true;
      el.paused.hidden = false;
      el.pausedText.textContent = t(lang, "display.paused");
      return;
    }
    el.paused.hidden = true;
    el.board.hidden = false;
    el.nowTitle.textContent = t(lang, "display.now_calling");
    const calling = d.calling || [];
    const top = calling[0];
    el.nowLabel.textContent = top ? top.label : "";
    el.nowStation.textContent = top ? t(lang, "display.station", { station: top.station }) : "";
    el.also.replaceChildren(
      ...calling.slice(1, 1 + ALSO_MAX).map((c) =>
        li(c.label, t(lang, "display.station", { station: c.station }))));
    el.lastTitle.textContent = t(lang, "display.last_calls");
    const now = new Set(calling.map((c) => c.label));
    el.lastList.replaceChildren(
      ...(d.recent || []).filter((c) => !now.has(c.label)).map((c) =>
        li(c.label, t(lang, "display.station", { station: c.station }))));
  }

  // Restarts the short highlight of the big label.
  function flash() {
    el.nowLabel.classList.remove("fresh");
    void el.nowLabel.offsetWidth; // a reflow, so that the animation starts again
    el.nowLabel.classList.add("fresh");
  }

  // ---- data ----

  function take(d) {
    const first = last === null;
    const fresh = [];
    for (const c of d.calling || []) {
      const id = c.label + "@" + c.at_ms;
      if (!seen.includes(id)) {
        seen.push(id);
        fresh.push(c);
      }
    }
    if (seen.length > SEEN_MAX) seen = seen.slice(seen.length - SEEN_MAX);
    const site = Array.isArray(d.languages) && d.languages.length ? d.languages : null;
    const apply = (list) => {
      if (list.join() !== langs.join()) {
        langs = list;
        turn = 0;
      }
      for (const l of langs) catalog(l).catch(() => {});
    };
    if (site) apply(site);
    else languageList().then(apply, () => {});
    last = d;
    render();
    // What was on screen when the page opened was announced before it: no chime for it.
    if (!first && fresh.length && !d.frozen) {
      flash();
      for (const c of fresh) announce(c);
    }
  }

  let rev = null; // the site's revision of the last answer: the next request waits on it
  let hold = HOLD_S; // seconds the route may hold a request
  async function poll() {
    let wait = 0;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
    const query = rev === null ? "" : "?after=" + rev + "&wait=" + hold;
    try {
      const r = await fetch("/api/v1/display" + query, {
        headers: { Authorization: "Bearer " + key },
        cache: "no-store",
        signal: ctl.signal,
      });
      if (r.status === 401) {
        refused = true;
        failing = false;
        wait = REFUSED_RETRY_MS;
      } else if (!r.ok) {
        wait = RETRY_MS;
        throw new Error("display " + r.status);
      } else {
        if (hold === 0) wait = RETRY_MS;
        const d = await r.json();
        if (!d || d.v !== 1) throw new Error("display answer");
        refused = false;
        failing = false;
        rev = Number.isInteger(d.rev) ? d.rev : null;
        take(d);
      }
    } catch (e) {
      failing = true; // the last good picture stays
      wait = RETRY_MS;
    } finally {
      clearTimeout(timer);
    }
    render();
    setTimeout(poll, wait);
  }

  // The texts before any site config: the browser's language if central has it, else the
  // source language.
  function startTexts() {
    catalog(SOURCE_LANG).catch(() => {});
    languageList().then((have) => {
      const mine = (navigator.languages || [navigator.language || ""])
        .map((l) => String(l).slice(0, 2).toLowerCase())
        .find((l) => have.includes(l));
      if (mine && !langs.length) langs = [mine];
      if (mine) catalog(mine).catch(() => {});
    }, () => {});
  }

  function start() {
    const params = new URLSearchParams(location.hash.slice(1));
    const found = params.get("key");
    key = found && KEY_RE.test(found) ? found : null;
    hold = params.get("hold") === "0" ? 0 : HOLD_S;
    window.addEventListener("hashchange", () => location.reload());
    startTexts();
    if (!key) {
      render();
      return;
    }
    setupSound();
    setInterval(() => {
      const n = ready().length;
      if (n > 1) turn = (turn + 1) % n;
      // Also with one language: an alert or information screen may start or end.
      render();
    }, ROTATE_MS);
    poll();
  }

  start();
})();
