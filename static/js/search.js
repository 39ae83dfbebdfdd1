/* Comcep search box: title suggestions for the header search field (progressive
   enhancement; the form works without this file). ARIA 1.2 combobox pattern:
   role=combobox on the input, aria-expanded, aria-controls, aria-activedescendant on
   a role=listbox popup; Up/Down move, Enter opens the highlighted title, Escape closes. */
(function () {
  "use strict";

  var MIN_CHARS = 2;
  var DELAY_MS = 180;

  function setup(input) {
    var listbox = document.getElementById(input.getAttribute("data-suggest-listbox"));
    var status = document.getElementById(input.getAttribute("data-suggest-status"));
    var url = input.getAttribute("data-suggest-url");
    if (!listbox || !url || !window.fetch) { return; }

    var items = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = "";

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = listbox.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function render(suggestions) {
      items = suggestions;
      listbox.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!items.length) {
        close();
        if (status) { status.textContent = ""; }
        return;
      }
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listbox.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "site-search-option";
        var title = document.createElement("span");
        title.textContent = item.title;
        var kind = document.createElement("span");
        kind.className = "site-search-kind";
        kind.textContent = item.kind;
        li.appendChild(title);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the input
          window.location.assign(item.url);
        });
        listbox.appendChild(li);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (status) {
        status.textContent = items.length === 1
          ? input.getAttribute("data-msg-one")
          : (input.getAttribute("data-msg-many") || "N").replace("N", String(items.length));
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < MIN_CHARS) { render([]); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      }).then(function (data) {
        if (input.value.trim() === query) { render(data.suggestions || []); }
      }).catch(function () { /* offline or aborted: the plain form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        if (!open && items.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (items.length) { event.preventDefault(); highlight(active + 1); }
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); highlight(active - 1); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); } else { input.value = ""; lastQuery = ""; }
      } else if (event.key === "Enter") {
        if (open && active >= 0 && items[active]) {
          event.preventDefault();
          window.location.assign(items[active].url);
        }
      }
    });

    input.addEventListener("blur", function () { window.setTimeout(close, 120); });
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-suggest-url]");
    for (var i = 0; i < inputs.length; i++) { setup(inputs[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
