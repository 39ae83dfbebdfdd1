/* Espaces d'échanges: progressive enhancements of the Markdown editor (toolbar, live preview,
   @mention autocomplete). Every feature works without this file: the preview button re-renders
   the form on the server. "Citer" is a plain link (the page comes back with the quote in the
   reply box); this file does not change it. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function wrapSelection(textarea, before, after, placeholder) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var value = textarea.value, selected = value.slice(start, end) || placeholder;
    textarea.value = value.slice(0, start) + before + selected + after + value.slice(end);
    textarea.focus();
    textarea.setSelectionRange(start + before.length, start + before.length + selected.length);
  }

  function prefixLines(textarea, prefix) {
    var start = textarea.value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = textarea.selectionEnd;
    var block = textarea.value.slice(start, end) || "";
    var lines = block.split("\n").map(function (line) { return prefix + line; }).join("\n");
    textarea.value = textarea.value.slice(0, start) + lines + textarea.value.slice(end);
    textarea.focus();
  }

  var TOOLS = [
    {label: "Gras", text: "G", run: function (t) { wrapSelection(t, "**", "**", "texte en gras"); }},
    {label: "Italique", text: "I", run: function (t) { wrapSelection(t, "*", "*", "texte en italique"); }},
    {label: "Liste", text: "• Liste", run: function (t) { prefixLines(t, "- "); }},
    {label: "Lien", text: "Lien", run: function (t) { wrapSelection(t, "[", "](https://)", "texte du lien"); }},
    {label: "Citation", text: "« Citation »", run: function (t) { prefixLines(t, "> "); }}
  ];

  function addToolbar(textarea) {
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Mise en forme");
    bar.setAttribute("aria-controls", textarea.id);
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = tool.text;
      button.setAttribute("aria-label", tool.label);
      button.title = tool.label;
      button.addEventListener("click", function () { tool.run(textarea); });
      bar.appendChild(button);
    });
    textarea.parentNode.insertBefore(bar, textarea);
  }

  function setupPreview(form, textarea) {
    var button = form.querySelector("[data-forums-preview]");
    if (!button || !window.fetch) { return; }
    var region = document.createElement("section");
    region.className = "post-preview is-hidden-by-js";
    region.setAttribute("aria-live", "polite");
    var title = document.createElement("h2");
    title.textContent = "Aperçu";
    var body = document.createElement("div");
    body.className = "post-body";
    region.appendChild(title);
    region.appendChild(body);
    button.parentNode.parentNode.insertBefore(region, button.parentNode);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var data = new FormData();
      data.append("body", textarea.value);
      fetch("/echanges/apercu/", {method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(form)}})
        .then(function (response) { return response.json(); })
        .then(function (json) {
          body.innerHTML = json.html || "";  // sanitized by the server (comcep.core.markdown)
          region.classList.remove("is-hidden-by-js");
        })
        .catch(function () { form.requestSubmit(button); });
    });
  }

  function setupMentions(form, textarea) {
    var url = form.getAttribute("data-mentions-url");
    if (!url || !window.fetch) { return; }
    var list = document.createElement("ul");
    list.className = "mention-list is-hidden-by-js";
    list.id = textarea.id + "-mentions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Membres à mentionner");
    textarea.parentNode.insertBefore(list, textarea.nextSibling);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", list.id);
    var active = -1, items = [], timer = null;

    function currentQuery() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|\s)@([^\s@]{1,40}(?: [^\s@]{0,20})?)$/.exec(before);
      return match ? match[2] : null;
    }
    function close() { list.classList.add("is-hidden-by-js"); list.innerHTML = ""; items = []; active = -1; }
    function choose(name) {
      var caret = textarea.selectionStart, before = textarea.value.slice(0, caret);
      var at = before.lastIndexOf("@");
      textarea.value = before.slice(0, at) + "@" + name + " " + textarea.value.slice(caret);
      var pos = at + name.length + 2;
      textarea.focus();
      textarea.setSelectionRange(pos, pos);
      close();
    }
    function render(results) {
      list.innerHTML = "";
      items = results.map(function (result, index) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = list.id + "-" + index;
        li.textContent = result.name + (result.organisation ? " — " + result.organisation : "");
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(result.name); });
        list.appendChild(li);
        return result.name;
      });
      active = -1;
      list.classList.toggle("is-hidden-by-js", items.length === 0);
    }
    textarea.addEventListener("input", function () {
      var query = currentQuery();
      if (query === null) { close(); return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(url + "&q=" + encodeURIComponent(query), {credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (json) { render(json.results || []); })
          .catch(close);
      }, 200);
    });
    textarea.addEventListener("keydown", function (event) {
      if (!items.length) { return; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        Array.prototype.forEach.call(list.children, function (li, index) {
          li.setAttribute("aria-selected", index === active ? "true" : "false");
        });
        textarea.setAttribute("aria-activedescendant", list.id + "-" + active);
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        choose(items[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("textarea[data-forums-editor]").forEach(function (textarea) {
    var form = textarea.form;
    addToolbar(textarea);
    if (form) {
      setupPreview(form, textarea);
      setupMentions(form, textarea);
    }
  });
})();
