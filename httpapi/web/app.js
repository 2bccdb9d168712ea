// The checkpoint page. Every check goes to v1/verify (a relative URL, so
// the page also works when the service is mounted under a path). Nothing
// is written to cookies, localStorage, sessionStorage or IndexedDB, and the
// result is cleared after a while.
"use strict";

(function () {
  const CLEAR_AFTER_MS = 120000;
  const FRAME_INTERVAL_MS = 300;
  const STATUS_INTERVAL_MS = 60000;

  // Reason codes (the same as the CLI's) in plain words.
  const REASONS = {
    bad_prefix: "This is not a travel health credential, or its format is not supported.",
    bad_base45: "The code's text is damaged (characters that cannot be in it). Scan it again.",
    bad_compression: "The code's data is damaged or incomplete. Scan it again.",
    too_large: "The code holds more data than any genuine credential.",
    bad_cose: "The code does not hold a correctly signed credential.",
    bad_cbor: "The credential's data is damaged or badly formed.",
    bad_claims: "The credential is missing required information.",
    schema: "The credential's content is not in the required format.",
    bad_image: "No credential QR code could be read in the image. Try a sharper, closer picture.",
    input_mangled: "The scanner damaged the code while typing it (often a keyboard layout mismatch). Set the scanner and this computer to the same keyboard layout and scan again.",
    unsupported_alg: "The credential uses a signature method that is not accepted.",
    unknown_key: "The credential was signed by an issuer that is not on the trust list.",
    bad_signature: "The signature does not match: the credential was altered or forged.",
    key_usage: "The issuer is not allowed to sign this type of credential.",
    key_not_valid: "The issuer's key was not valid when the credential was issued.",
    trust_list_stale: "The trust list is out of date, so no credential can be checked. Call the duty supervisor.",
    suspect_clock: "The clock is wrong, so no credential can be checked. Call the duty supervisor.",
    revocation_unavailable: "The issuer's revocation list is not available, so the credential cannot be accepted. Call the duty supervisor.",
    expired: "The credential has expired.",
    not_yet_valid: "The credential is not valid yet.",
    key_revoked: "The issuer's signing key has been withdrawn (revoked).",
    revoked: "The credential has been withdrawn (revoked) by its issuer.",
  };

  // HTTP refusals (no verdict) in plain words.
  const ERRORS = {
    too_large: "Too large: the text or image is bigger than any credential.",
    image_too_large: "The image is too large. Use a smaller photo.",
    unreadable_image: "The file is not a readable PNG or JPEG image.",
    unsupported_media_type: "This type of file cannot be read. Use a PNG or JPEG photo.",
    empty: "Nothing was sent. Scan or paste the credential.",
    rate_limited: "Too many checks from this device. Wait a moment and try again.",
    busy: "The service is busy. Try again in a moment.",
  };

  const TYPES = { v: "Vaccination", t: "Test", r: "Recovery" };

  const $ = (id) => document.getElementById(id);
  const result = $("result"), verdictEl = $("verdict"), promptEl = $("prompt");
  const details = $("details"), reasonEl = $("reason"), hintEl = $("hint");
  const textField = $("qr-text"), fileField = $("file");
  const camStart = $("camera-start"), camStop = $("camera-stop"), camStatus = $("camera-status"), video = $("video");
  const banners = $("banners");

  let regionNames = null;
  try { regionNames = new Intl.DisplayNames(["en"], { type: "region" }); } catch (e) { regionNames = null; }

  let seq = 0;            // number of the latest check; older answers are ignored
  let inflight = null;    // AbortController of the latest check
  let clearTimer = 0;
  let statusWarnings = [];
  let verdictWarnings = null;

  function countryName(cc) {
    if (!cc) return "";
    let name = "";
    try { name = regionNames ? regionNames.of(cc) : ""; } catch (e) { name = ""; }
    return name && name !== cc ? name + " (" + cc + ")" : cc;
  }

  function holderName(h) {
    if (!h) return "";
    const given = h.gn || (h.gnt || "").replace(/</g, " ");
    const family = h.fn || (h.fnt || "").replace(/</g, " ");
    return [given, family].filter(Boolean).join(" ");
  }

  function setText(el, text) {
    el.textContent = text || "";
    el.hidden = !text;
  }

  function renderBanners() {
    const list = verdictWarnings || statusWarnings;
    banners.replaceChildren();
    for (const w of list) {
      const p = document.createElement("p");
      p.className = "banner" + (/no credential can be verified/i.test(w) ? " severe" : "");
      p.textContent = w;
      banners.appendChild(p);
    }
  }

  function setState(state, verdict, prompt) {
    result.dataset.state = state;
    verdictEl.textContent = verdict;
    setText(promptEl, prompt);
    details.hidden = true;
    setText(reasonEl, "");
    setText(hintEl, "");
  }

  function scheduleClear() {
    clearTimeout(clearTimer);
    clearTimer = setTimeout(clearResult, CLEAR_AFTER_MS);
  }

  function clearResult() {
    clearTimeout(clearTimer);
    seq++;
    if (inflight) inflight.abort();
    $("holder-name").textContent = "";
    $("holder-dob").textContent = "";
    $("cred-type").textContent = "";
    $("cred-country").textContent = "";
    setState("idle", "Ready", "Scan the QR code, paste its text, upload a photo or use the camera.");
    verdictWarnings = null;
    renderBanners();
  }

  function showVerdict(v) {
    window.scrollTo(0, 0);
    if (Array.isArray(v.warnings)) {
      verdictWarnings = v.warnings;
      renderBanners();
    }
    if (v.valid) {
      const c = v.credential || {};
      setState("valid", "VALID", "");
      $("holder-name").textContent = holderName(c.holder);
      $("holder-dob").textContent = c.dob || "not given";
      $("cred-type").textContent = TYPES[c.type] || c.type || "";
      $("cred-country").textContent = countryName(v.country || c.country);
      details.hidden = false;
      if (v.entry && v.entry.report) {
        const failed = (v.entry.report.results || []).filter((r) => r.outcome !== "pass");
        if (!v.entry.allowed) {
          setState("invalid", "ENTRY REFUSED", "");
          setText(reasonEl, "The credential is genuine, but it does not meet the entry rules of " + countryName(v.entry.to) + ": " +
            failed.map((r) => r.identifier + " " + (r.description || "")).join("; "));
        } else {
          setText(hintEl, "Entry rules of " + countryName(v.entry.to) + " met.");
        }
      }
    } else {
      setState("invalid", "NOT VALID", "");
      setText(reasonEl, REASONS[v.reason] || ("The credential was refused (" + (v.reason || "unknown reason") + ")."));
      setText(hintEl, v.hint || "");
    }
    scheduleClear();
  }

  function showError(text) {
    window.scrollTo(0, 0);
    setState("error", "NOT CHECKED", "");
    setText(reasonEl, text);
    scheduleClear();
  }

  // check posts one request body and shows the answer. It resolves to the
  // verdict (or null) so the camera loop knows whether to go on.
  async function check(body, contentType, quiet) {
    const my = ++seq;
    if (inflight) inflight.abort();
    const ctl = new AbortController();
    inflight = ctl;
    if (!quiet) setState("checking", "Checking…", "");
    const headers = {};
    if (contentType) headers["Content-Type"] = contentType;
    let resp, data = null;
    try {
      resp = await fetch("v1/verify", { method: "POST", body, headers, signal: ctl.signal, cache: "no-store", credentials: "same-origin" });
      try { data = await resp.json(); } catch (e) { data = null; }
    } catch (e) {
      if (my !== seq) return null;
      if (!quiet) showError("The verification service cannot be reached. Check the network connection.");
      return null;
    }
    if (my !== seq) return null;
    if (resp.ok && data && typeof data.valid === "boolean") {
      if (!(quiet && !data.valid && data.reason === "bad_image")) showVerdict(data);
      return data;
    }
    if (!quiet) {
      const code = data && data.error;
      showError(ERRORS[code] || ("The request could not be checked (HTTP " + resp.status + ")."));
    }
    return null;
  }

  // Text: typed, pasted, or typed by a keyboard-wedge scanner that ends
  // with Enter (which submits the form).
  $("text-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = textField.value;
    textField.value = "";
    textField.focus();
    if (text.trim() === "") return;
    check(text, "text/plain; charset=utf-8", false);
  });

  // A scanner that types while nothing is focused: send its keys to the
  // text field instead of losing them.
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    const editable = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "BUTTON" || t.isContentEditable);
    if (!editable && ev.key && ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      textField.focus();
    }
  });

  fileField.addEventListener("change", () => {
    const f = fileField.files && fileField.files[0];
    if (!f) return;
    const form = new FormData();
    form.append("file", f, f.name || "upload");
    fileField.value = "";
    check(form, null, false);
  });

  // Camera: grab a frame every FRAME_INTERVAL_MS and send it as JPEG until
  // the server reads a code in one.
  let stream = null, scanning = false;
  const canvas = document.createElement("canvas");

  function grabFrame() {
    const w = video.videoWidth, h = video.videoHeight;
    if (!w || !h) return Promise.resolve(null);
    canvas.width = w;
    canvas.height = h;
    canvas.getContext("2d").drawImage(video, 0, 0, w, h);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
  }

  async function scanLoop() {
    while (scanning) {
      const started = performance.now();
      const blob = await grabFrame();
      if (!scanning) break;
      if (blob) {
        const v = await check(blob, "image/jpeg", true);
        if (!scanning) break;
        if (v && !(v.valid === false && v.reason === "bad_image")) {
          stopCamera("Code read.");
          break;
        }
      }
      const wait = Math.max(0, FRAME_INTERVAL_MS - (performance.now() - started));
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      camStatus.textContent = "This browser cannot use a camera here (the page needs HTTPS).";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (e) {
      camStatus.textContent = "The camera could not be started: " + (e && e.name ? e.name : "error") + ".";
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    try { await video.play(); } catch (e) { /* autoplay of a muted stream is allowed */ }
    camStart.hidden = true;
    camStop.hidden = false;
    camStatus.textContent = "Scanning: hold the QR code in front of the camera.";
    setState("checking", "Scanning…", "Hold the QR code steady in front of the camera.");
    scanning = true;
    scanLoop();
  }

  function stopCamera(message) {
    scanning = false;
    if (stream) {
      for (const t of stream.getTracks()) t.stop();
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    camStart.hidden = false;
    camStop.hidden = true;
    camStatus.textContent = message || "Camera stopped.";
    if (result.dataset.state === "checking") clearResult();
  }

  camStart.addEventListener("click", startCamera);
  camStop.addEventListener("click", () => stopCamera("Camera stopped."));
  $("clear").addEventListener("click", () => {
    clearResult();
    textField.value = "";
    textField.focus();
  });

  async function refreshStatus() {
    try {
      const resp = await fetch("v1/status", { cache: "no-store", credentials: "same-origin" });
      const st = await resp.json();
      statusWarnings = Array.isArray(st.warnings) ? st.warnings : [];
      document.body.dataset.demo = st.demo ? "true" : "false";
    } catch (e) {
      statusWarnings = ["The verification service cannot be reached. Check the network connection."];
    }
    renderBanners();
    document.body.dataset.statusLoaded = "true";
  }

  refreshStatus();
  setInterval(refreshStatus, STATUS_INTERVAL_MS);
  textField.focus();
})();
