/* Save the questionnaire's answers on the server as the respondent goes.
 *
 * Each change marks its topic; after a short pause the changed topics (all of their items, so a partial save
 * never blanks anything) are posted to the draft URL. A failed save is retried; leaving the page sends what is
 * pending with sendBeacon. Without JavaScript the form's own "Save and continue later" button does the same.
 * A refused CSRF token (cookies cleared, or a log-in in another tab rotated it) or a lost open-link cookie is
 * mended quietly: fetch a fresh session, put its token into the form (so the final submit passes too), and
 * send every answered topic again.
 */
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form || !form.dataset.draftUrl) return;
  var url = form.dataset.draftUrl;
  var sessionUrl = form.dataset.sessionUrl;
  var renewed = false;
  var pending = new Set();
  var timer = null;
  var inFlight = false;
  var closed = false;
  var PAUSE = 700;
  var RETRY = 5000;
  var status = document.getElementById("save-status");
  var progressText = document.getElementById("progress-text");
  var progressBar = document.getElementById("progress-bar");
  var cards = Array.prototype.slice.call(form.querySelectorAll("[data-topic]"));

  // A card's id is "topic-<pk>"; its data-topic attribute only marks it (no value, to keep the page small).
  function topicId(card) { return card.id.slice("topic-".length); }

  function setStatus(text) { if (status) status.textContent = text; }

  function isDone(card) {
    var sets = card.querySelectorAll("fieldset");
    for (var i = 0; i < sets.length; i++) {
      if (!sets[i].querySelector("input[type=radio]:checked")) return false;
    }
    return true;
  }

  function showProgress() {
    var answered = 0;
    cards.forEach(function (card) {
      var done = isDone(card);
      card.classList.toggle("topic-done", done);
      if (done) answered += 1;
    });
    var total = cards.length;
    if (progressText) {
      progressText.textContent = form.dataset.msgProgress
        .replace("%(answered)s", answered).replace("%(total)s", total);
    }
    if (progressBar) {
      progressBar.style.width = (total ? Math.round(100 * answered / total) : 0) + "%";
      progressBar.parentNode.setAttribute("aria-valuenow", answered);
    }
  }

  function payload(ids) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    var opened = form.querySelector("[name=opened]");  // the questionnaire's; the rating page has none
    if (opened) data.append("opened", opened.value);
    ids.forEach(function (id) {
      data.append("topics", id);
      var card = document.getElementById("topic-" + id);
      card.querySelectorAll("input[type=radio]:checked, textarea").forEach(function (el) {
        data.append(el.name, el.value);
      });
    });
    return data;
  }

  function schedule(delay) {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, delay || PAUSE);
  }

  function save() {
    timer = null;
    if (inFlight || pending.size === 0 || closed) return;
    var ids = Array.from(pending);
    pending.clear();
    inFlight = true;
    setStatus(form.dataset.msgSaving);
    fetch(url, { method: "POST", body: payload(ids), credentials: "same-origin" })
      .then(function (response) {
        inFlight = false;
        if (response.ok) {
          renewed = false;
          var now = new Date();
          setStatus(form.dataset.msgSaved + " " + now.toTimeString().slice(0, 5));
        } else if ((response.status === 403 || response.status === 400) && sessionUrl && !renewed) {
          ids.forEach(function (id) { pending.add(id); });
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (body.error !== "csrf" && body.error !== "no-session") {
              closed = true;
              setStatus(form.dataset.msgClosed);
              return;
            }
            return renew().catch(function () {
              renewed = false;
              setStatus(form.dataset.msgFailed);
              schedule(RETRY);
            });
          });
        } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          // Submitted elsewhere, closed, or refused: retrying cannot help.
          closed = true;
          setStatus(form.dataset.msgClosed);
          return;
        } else {
          throw new Error("HTTP " + response.status);
        }
        if (pending.size) schedule();
      })
      .catch(function () {
        inFlight = false;
        ids.forEach(function (id) { pending.add(id); });
        setStatus(form.dataset.msgFailed);
        schedule(RETRY);
      });
  }

  function renew() {
    // One fresh session per failure: a second refusal in a row is a real one.
    renewed = true;
    return fetch(sessionUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        form.querySelectorAll("[name=csrfmiddlewaretoken]").forEach(function (input) { input.value = body.csrf; });
        cards.forEach(function (card) {
          if (card.querySelector("input[type=radio]:checked") || (card.querySelector("textarea") || {}).value) {
            pending.add(topicId(card));
          }
        });
        schedule(1);
      });
  }

  function changed(event) {
    var card = event.target.closest("[data-topic]");
    if (!card) return;
    pending.add(topicId(card));
    showProgress();
    schedule(event.target.tagName === "TEXTAREA" ? 1500 : PAUSE);
  }

  function flush() {
    if (pending.size && navigator.sendBeacon && !closed) {
      navigator.sendBeacon(url, payload(Array.from(pending)));
      pending.clear();
    }
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", function (event) { if (event.target.tagName === "TEXTAREA") changed(event); });
  form.addEventListener("submit", function () {
    // The full form carries every answer; nothing else needs sending.
    pending.clear();
    if (timer) clearTimeout(timer);
  });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
  window.addEventListener("pagehide", flush);
})();
