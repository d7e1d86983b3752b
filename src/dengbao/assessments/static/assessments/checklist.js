// Keyboard-first checklist: digits 1-4 pick the result of the focused row; htmx saves it.
(function () {
  "use strict";
  function rowOf(el) { return el && el.closest ? el.closest("form.row") : null; }
  document.addEventListener("keydown", function (event) {
    var row = rowOf(document.activeElement);
    if (!row || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = document.activeElement.tagName;
    if (tag === "TEXTAREA" || (tag === "INPUT" && document.activeElement.type === "text")) return;
    var radio = row.querySelector('input[type=radio][data-key="' + event.key + '"]');
    if (!radio || radio.disabled) return;
    event.preventDefault();
    radio.checked = true;
    row.dataset.refocus = "1";
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // After a row is swapped, keep the keyboard where it was: on the row that was saved.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var row = rowOf(event.detail.elt);
    if (row && (row.dataset.refocus || row.contains(document.activeElement))) {
      window.__dengbaoFocus = row.id;
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!window.__dengbaoFocus) return;
    var row = document.getElementById(window.__dengbaoFocus);
    window.__dengbaoFocus = null;
    if (row) row.focus();
  });
})();
// A chosen 常用记录 is appended to the row's 结果记录, which then autosaves like typing would.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.dataset || !select.dataset.insert || !select.value) return;
  var area = document.querySelector(select.dataset.insert);
  if (!area) return;
  area.value = area.value ? area.value.replace(/\s*$/, "") + "\n" + select.value : select.value;
  select.value = "";
  area.dispatchEvent(new Event("change", { bubbles: true }));
});
