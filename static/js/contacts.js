/* Contact Management, progressively enhanced: every control also works as a plain form. */
(function () {
  "use strict";

  function csrfToken(el) {
    var input = (el && el.querySelector("[name=csrfmiddlewaretoken]")) ||
      document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, data, token) {
    var body = new URLSearchParams(data);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "X-Requested-With": "fetch" },
    });
  }

  /* Quick Add: collapse and restore, remembered on the server. */
  function quickAdd() {
    var bar = document.querySelector("[data-quick-add]");
    if (!bar) return;
    var showButton = document.querySelector("[data-quick-add-show]");
    var menuLabel = document.querySelector("[data-quick-add-menu-label]");
    var menuButton = document.querySelector("[data-quick-add-menu]");
    var url = bar.getAttribute("data-toggle-url");
    function set(collapsed, focus) {
      bar.hidden = collapsed;
      if (showButton) showButton.hidden = !collapsed;
      if (menuLabel) menuLabel.textContent = collapsed ? "Show Quick Add" : "Hide Quick Add";
      if (menuButton) menuButton.form.querySelector("[name=collapsed]").value = collapsed ? "0" : "1";
      post(url, { collapsed: collapsed ? "1" : "0" }, csrfToken(bar));
      if (focus) {
        if (collapsed && showButton) showButton.focus();
        if (!collapsed) { var first = bar.querySelector("input.input"); if (first) first.focus(); }
      }
    }
    var hide = bar.querySelector("[data-quick-add-hide]");
    if (hide) hide.addEventListener("click", function (e) { e.preventDefault(); set(true, true); });
    if (showButton) showButton.addEventListener("click", function () { set(false, true); });
    if (menuButton) menuButton.addEventListener("click", function (e) {
      e.preventDefault();
      var details = menuButton.closest("details");
      if (details) details.open = false;
      set(!bar.hidden, true);
    });
  }

  /* Filters apply as soon as they change; the URL follows (a plain GET form). */
  function autosubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function (e) {
        if (e.target.matches("select, input[type=checkbox]")) form.requestSubmit();
      });
    });
    document.querySelectorAll("[data-autosubmit-select]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
  }

  /* Bulk selection: select all, a live count, and only the inputs the chosen action needs. */
  function bulk() {
    var form = document.querySelector("[data-bulk]");
    if (!form) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-bulk-row]"));
    var all = document.querySelector("[data-bulk-all]");
    var count = form.querySelector("[data-bulk-count]");
    var selectedNote = form.querySelector("[data-bulk-selected]");
    var action = form.querySelector("[data-bulk-action]");
    function refresh() {
      var n = rows.filter(function (r) { return r.checked; }).length;
      count.textContent = n;
      selectedNote.hidden = n === 0;
      if (all) {
        all.checked = n > 0 && n === rows.length;
        all.indeterminate = n > 0 && n < rows.length;
      }
    }
    function showInputs() {
      form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        el.hidden = el.getAttribute("data-bulk-for").split(" ").indexOf(action.value) === -1;
      });
    }
    rows.forEach(function (r) { r.addEventListener("change", refresh); });
    if (all) all.addEventListener("change", function () {
      rows.forEach(function (r) { r.checked = all.checked; });
      refresh();
    });
    action.addEventListener("change", showInputs);
    form.addEventListener("submit", function (e) {
      if (!rows.some(function (r) { return r.checked; })) {
        e.preventDefault();
        alert("Select contacts first: tick the boxes at the start of their rows.");
      } else if (!action.value) {
        e.preventDefault();
        action.focus();
      }
    });
    showInputs();
    refresh();
  }

  /* Customize Contact List: drag and drop (SortableJS) plus buttons for keyboards. */
  function columnPicker() {
    var picker = document.querySelector("[data-column-picker]");
    if (!picker) return;
    var selected = picker.querySelector("[data-column-list=selected]");
    var available = picker.querySelector("[data-column-list=available]");
    var status = picker.querySelector("[data-column-status]");
    function sync(message) {
      [selected, available].forEach(function (list) {
        list.querySelectorAll("input[name=columns]").forEach(function (input) {
          input.disabled = list === available;
        });
        var empty = list.querySelector(".column-list__empty");
        if (empty) empty.hidden = list.querySelectorAll(".column-item").length > 0;
      });
      if (message && status) status.textContent = message;
    }
    function label(item) { return item.getAttribute("data-label"); }
    picker.addEventListener("click", function (e) {
      var button = e.target.closest("[data-move]");
      if (!button) return;
      e.preventDefault();
      var item = button.closest(".column-item");
      var move = button.getAttribute("data-move");
      var message = "";
      if (move === "up" && item.previousElementSibling && item.previousElementSibling.classList.contains("column-item")) {
        item.parentNode.insertBefore(item, item.previousElementSibling);
        message = label(item) + " moved up.";
      } else if (move === "down" && item.nextElementSibling && item.nextElementSibling.classList.contains("column-item")) {
        item.parentNode.insertBefore(item.nextElementSibling, item);
        message = label(item) + " moved down.";
      } else if (move === "add") {
        selected.appendChild(item);
        message = label(item) + " added to Selected Columns.";
      } else if (move === "remove") {
        if (item.hasAttribute("data-required")) return;
        available.appendChild(item);
        message = label(item) + " moved to Available Columns.";
      }
      sync(message);
      var again = item.querySelector("[data-move=" + move + "]");
      var visible = again && again.offsetParent !== null ? again : item.querySelector("[data-move]:not([hidden])");
      if (visible && visible.offsetParent !== null) visible.focus(); else item.querySelector(".column-item__handle").focus();
    });
    if (window.Sortable) {
      var options = {
        group: "columns",
        animation: 150,
        forceFallback: true,
        fallbackOnBody: true,
        handle: ".column-item__handle",
        draggable: ".column-item",
        filter: ".column-list__empty",
        onSort: function () { sync("Column order changed."); },
      };
      window.Sortable.create(selected, options);
      window.Sortable.create(available, Object.assign({}, options, {
        onMove: function (evt) { return !(evt.dragged.hasAttribute("data-required") && evt.to === available); },
      }));
    }
    sync("");
  }

  /* Add / Edit: "Add another" email row; groups chosen with Add and removed with X. */
  function contactForm() {
    var form = document.querySelector("[data-contact-form]");
    if (!form) return;
    var rows = form.querySelector("[data-email-rows]");
    var template = form.querySelector("#email-row-template");
    var total = form.querySelector("[name=emails-TOTAL_FORMS]");
    var addEmail = form.querySelector("[data-add-email]");
    if (addEmail && template && total) {
      addEmail.addEventListener("click", function (e) {
        e.preventDefault();
        var index = parseInt(total.value, 10);
        if (index >= 10) return;
        var html = template.innerHTML.replace(/__prefix__/g, index);
        rows.insertAdjacentHTML("beforeend", html);
        total.value = index + 1;
        var input = rows.lastElementChild.querySelector("input[type=email]");
        if (input) input.focus();
      });
    }
    var picker = form.querySelector("[data-group-picker]");
    var adder = form.querySelector("[data-group-add]");
    if (picker && adder) {
      var select = adder.querySelector("select");
      function refresh() {
        select.innerHTML = "";
        var placeholder = new Option("Choose a group…", "");
        select.add(placeholder);
        picker.querySelectorAll(".group-chip").forEach(function (chip) {
          var box = chip.querySelector("input");
          chip.hidden = !box.checked;
          if (!box.checked) select.add(new Option(chip.getAttribute("data-name"), box.value));
        });
        adder.hidden = select.options.length <= 1;
        var none = picker.querySelector("[data-no-groups]");
        if (none) none.hidden = !!picker.querySelector(".group-chip input:checked");
      }
      picker.querySelectorAll(".group-chip").forEach(function (chip) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button group-chip__remove";
        remove.setAttribute("aria-label", "Remove from " + chip.getAttribute("data-name"));
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          chip.querySelector("input").checked = false;
          refresh();
          select.focus();
        });
        chip.querySelector("input").hidden = true;
        chip.appendChild(remove);
      });
      adder.querySelector("button").addEventListener("click", function (e) {
        e.preventDefault();
        var box = picker.querySelector('.group-chip input[value="' + select.value + '"]');
        if (box) { box.checked = true; refresh(); }
      });
      refresh();
    }
  }

  function init() {
    quickAdd();
    autosubmit();
    bulk();
    columnPicker();
    contactForm();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
