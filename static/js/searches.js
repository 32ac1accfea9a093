/* Saved searches: show only the alert settings that apply, and bulk-select on the screening
   queue. Every form works without this file (all fields shown, boxes ticked one by one). */
(function () {
  "use strict";

  function sync(box) {
    var kind = box.querySelector('input[name="kind"]:checked');
    var alerting = !kind || kind.value === "automatic";
    var freq = box.querySelector("[data-frequency]");
    var often = freq ? freq.value : "daily";
    box.querySelectorAll("[data-alert-only]").forEach(function (el) { el.hidden = !alerting; });
    box.querySelectorAll("[data-weekly-only]").forEach(function (el) { el.hidden = often !== "weekly"; });
    box.querySelectorAll("[data-timed-only]").forEach(function (el) { el.hidden = often === "asap"; });
    if (box.hasAttribute("data-save-alerts")) {
      var contact = box.form ? box.form.elements.namedItem("contact") : null;
      var forClient = !contact || !!contact.value;
      var body = box.querySelector("[data-save-alerts-body]");
      var hint = box.querySelector("[data-save-alerts-hint]");
      if (body) body.hidden = !forClient;
      if (hint) hint.hidden = forClient;
    }
  }

  function boxes() { return document.querySelectorAll("[data-alert-settings]"); }

  function init() {
    boxes().forEach(sync);
    document.querySelectorAll("[data-screening]").forEach(countSelected);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var box = target.closest("[data-alert-settings]");
    if (box) sync(box);
    if (target.name === "contact" && target.form) {
      target.form.querySelectorAll("[data-save-alerts]").forEach(sync);
    }
    var form = target.closest("[data-screening]");
    if (!form) return;
    if (target.hasAttribute("data-screening-all")) {
      var section = target.closest(".screening__group");
      section.querySelectorAll("[data-screening-row]").forEach(function (row) { row.checked = target.checked; });
    } else if (target.hasAttribute("data-screening-row")) {
      var group = target.closest(".screening__group");
      var rows = group.querySelectorAll("[data-screening-row]");
      var ticked = group.querySelectorAll("[data-screening-row]:checked").length;
      var all = group.querySelector("[data-screening-all]");
      if (all) {
        all.checked = ticked === rows.length;
        all.indeterminate = ticked > 0 && ticked < rows.length;
      }
    }
    countSelected(form);
  });

  function countSelected(form) {
    var count = form.querySelectorAll("[data-screening-row]:checked").length;
    var wrap = form.querySelector("[data-screening-selected]");
    var out = form.querySelector("[data-screening-count]");
    if (out) out.textContent = String(count);
    if (wrap) wrap.hidden = count === 0;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
