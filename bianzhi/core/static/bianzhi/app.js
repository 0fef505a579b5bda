// Small behaviours without inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // Org picker: suggestions under an input; clicking one fills the input with the body's id.
  document.addEventListener("click", function (event) {
    var item = event.target.closest("[data-fill]");
    if (!item) { return; }
    var box = item.closest(".suggest");
    var input = box && box.previousElementSibling;
    if (input) { input.value = item.getAttribute("data-fill"); }
    if (box) { box.innerHTML = ""; }
    event.preventDefault();
  });
  function wirePickers(root) {
    root.querySelectorAll("input[data-org-picker]").forEach(function (input) {
      if (input.dataset.wired) { return; }
      input.dataset.wired = "1";
      var box = document.createElement("div");
      box.className = "suggest";
      input.insertAdjacentElement("afterend", box);
      input.setAttribute("hx-get", input.form.dataset.suggestUrl);
      input.setAttribute("hx-trigger", "input changed delay:250ms");
      input.setAttribute("hx-target", "next .suggest");
      if (window.htmx) { window.htmx.process(input); }
    });
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var el = event.detail.elt;
    if (el.matches && el.matches("input[data-org-picker]")) {
      event.detail.parameters = { q: el.value };
    }
  });
  // Tree: toggle a node; load its children once.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".tree-toggle");
    if (!toggle) { return; }
    var li = toggle.closest("li");
    li.classList.toggle("open");
  });
  document.addEventListener("DOMContentLoaded", function () { wirePickers(document); });
  document.addEventListener("htmx:afterSwap", function (e) { wirePickers(e.target); });
})();
