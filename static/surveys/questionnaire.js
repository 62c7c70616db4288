/* Keyboard, focus and paging on the questionnaire (issue 14.2, 14.1); autosave.js does the saving.
 *
 * - Enter on a rating does nothing: it must never submit the form through the header's language buttons.
 * - The page keeps the focused element below the sticky progress bar: scroll-padding follows the bar's height,
 *   and a focus that still lands under it (Shift+Tab) is scrolled clear.
 * - After a refused submit the missing-answers summary takes the focus; its links focus the topic's first item.
 * - One topic per screen, when the questionnaire asks for it: Previous / Next move through the topics.
 */
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form) return;
  var bar = document.querySelector(".respond-progress");
  var root = document.documentElement;

  function barBottom() { return bar ? bar.getBoundingClientRect().bottom : 0; }

  function fitPadding() {
    if (bar) root.style.scrollPaddingTop = (bar.offsetHeight + 12) + "px";
  }
  fitPadding();
  window.addEventListener("resize", fitPadding);

  function shown(el) {
    // A rating's radio is unseen inside its label: the label is what the eye looks for.
    return (el.type === "radio" && el.closest("label")) || el;
  }

  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || (bar && bar.contains(target))) return;
    window.requestAnimationFrame(function () {
      var rect = shown(target).getBoundingClientRect();
      var top = barBottom() + 8;
      if (rect.top < top) window.scrollBy(0, rect.top - top);
      else if (rect.bottom > window.innerHeight) window.scrollBy(0, rect.bottom - window.innerHeight + 8);
    });
  });

  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key === "Enter" && t instanceof HTMLInputElement && t.type !== "submit") event.preventDefault();
  });

  function focusTopic(card) {
    var first = card.querySelector("input[type=radio]:checked, input[type=radio], textarea");
    if (first) first.focus();
  }

  var summary = document.getElementById("missing");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target instanceof Element && event.target.closest("a[href^='#topic-']");
      var card = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!card) return;
      event.preventDefault();
      show(card);
      focusTopic(card);
    });
  }

  // --- one topic per screen ---------------------------------------------------------------------------------
  var cards = Array.prototype.slice.call(form.querySelectorAll("[data-topic]"));
  var paged = form.classList.contains("one-topic") && cards.length > 1;
  var current = 0;
  var pager, previous, next, position;

  function show(card) {
    if (!paged) return;
    var index = cards.indexOf(card);
    if (index < 0) return;
    current = index;
    cards.forEach(function (c, i) { c.classList.toggle("current", i === index); });
    form.querySelectorAll(".pillar-section").forEach(function (s) {
      s.classList.toggle("has-current", s.contains(card));
    });
    card.after(pager);
    previous.disabled = index === 0;
    next.disabled = index === cards.length - 1;
    position.textContent = form.dataset.msgPosition.replace("%(n)s", index + 1).replace("%(total)s", cards.length);
  }

  function button(text, step) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-outline-success";
    b.textContent = text;
    b.addEventListener("click", function () {
      show(cards[current + step]);
      cards[current].scrollIntoView({ block: "start" });
      focusTopic(cards[current]);
    });
    return b;
  }

  if (paged) {
    pager = document.createElement("div");
    pager.className = "topic-pager";
    previous = button(form.dataset.msgPrevious, -1);
    next = button(form.dataset.msgNext, 1);
    position = document.createElement("span");
    position.className = "small";
    pager.append(previous, position, next);
    form.classList.add("paged");
    // Start at the first topic without an answer: coming back with the same link continues where it stopped.
    var open = cards.filter(function (c) { return !c.classList.contains("topic-done"); })[0] || cards[0];
    show(open);
  }
})();
