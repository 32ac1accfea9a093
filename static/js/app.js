/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Drop-down menus are <details class="menu">: close them on Escape and on a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.menu"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) summary.focus();
    }
  });

  // Flash messages: a close button on each.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (!button) return;
    var alert = button.closest(".alert");
    if (alert) alert.remove();
  });

  // Same rule as clients.models.readable_text_color: black or white, whichever contrasts more.
  function readableText(hex) {
    var lin = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? "#ffffff" : "#111827";
  }

  // Show the chosen brand colour's hex value beside the colour picker.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.type !== "color") return;
    var out = document.querySelector('[data-color-value-for="' + input.id + '"]');
    if (out) out.textContent = input.value;
    var text = readableText(input.value);
    document.querySelectorAll("[data-brand-preview]").forEach(function (el) {
      el.style.setProperty("--brand", input.value);
      el.style.setProperty("--brand-text", text);
    });
  });

  // Selects marked data-autosubmit submit their form on change (htmx takes over where present).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form && !select.form.hasAttribute("hx-get")) select.form.requestSubmit();
  });
})();
