// Keyboard-first checklist of one object.
//
// One model: the focused item is the row that holds the keyboard focus.
//   Alt+↓ / Alt+↑ (anywhere; plain ↓ / ↑ on the row itself) move to the next / previous item;
//   1–4 set the result of the focused item; any other character typed on the item goes to its
//   结果记录 (note); Esc in a field goes back to the item; Enter in the 不适用理由 field confirms it.
// Saving: every change is saved in the background, one request at a time per item, and the page is
// never redrawn under the cursor: a successful save only updates the version and the status line.
// A refused save (conflict, validation, HTTP error) is shown on the item and the item is redrawn
// from the stored values, so what the screen shows is what is stored.
// 不适用 without a reason is never sent: choosing it opens the reason field and the save goes out once a
// reason is given. A reason typed first stays in its field and goes out with 不适用.
(function () {
  "use strict";
  var list = document.getElementById("checklist");
  if (!list) return;
  var NA = list.dataset.na || "不适用";
  var queues = {}; // row id -> {chain: Promise, pending: number}

  function text(name) { return list.dataset[name] || ""; }
  function rowOf(el) {
    var row = el && el.closest ? el.closest("form.row") : null;
    return row && list.contains(row) ? row : null;
  }
  function rows() { return Array.prototype.slice.call(list.querySelectorAll("form.row")); }
  function isTextField(el) {
    return !!el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
      (el.tagName === "INPUT" && /^(text|search|email|url|number|tel)$/.test(el.type)));
  }
  function note(row) { return row.querySelector("textarea[name=note]"); }
  function reason(row) { return row.querySelector("input[name=na_reason]"); }
  function checked(row) {
    var radio = row.querySelector("input[name=result]:checked");
    return radio ? radio.value : "";
  }
  function values(row) {
    return {
      result: checked(row),
      note: note(row) ? note(row).value : "",
      methods: Array.prototype.map.call(row.querySelectorAll("input[name=methods]:checked"), function (c) { return c.value; }),
      na_reason: reason(row) ? reason(row).value : "",
    };
  }
  function say(row, message, kind) {
    var live = row.querySelector(".live");
    if (!live) return;
    live.textContent = message;
    live.className = "live" + (kind ? " " + kind : "");
  }
  function setState(row, state) {
    if (state) row.dataset.state = state; else delete row.dataset.state;
  }
  function focusEnd(field) {
    field.focus();
    if (typeof field.setSelectionRange === "function") {
      var end = field.value.length;
      field.setSelectionRange(end, end);
    }
  }

  // --- moving between items -----------------------------------------------------------------------
  function move(delta) {
    var all = rows();
    if (!all.length) return;
    var current = rowOf(document.activeElement);
    var index = current ? all.indexOf(current) + delta : (delta > 0 ? 0 : all.length - 1);
    var next = all[Math.max(0, Math.min(all.length - 1, index))];
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "center" });
  }

  // --- choosing a result ----------------------------------------------------------------------------
  function resultChosen(row) {
    var field = reason(row);
    if (checked(row) === NA && field && !field.value.trim()) {
      row.classList.add("na-pending");
      setState(row, "pending");
      say(row, text("needReason"), "warning");
      focusEnd(field);
      return; // saved when the reason is given
    }
    row.classList.remove("na-pending");
    save(row);
  }

  // --- saving -----------------------------------------------------------------------------------------
  function save(row) {
    var id = row.id;
    var queue = queues[id] || (queues[id] = { chain: Promise.resolve(), pending: 0 });
    queue.pending += 1;
    setState(row, "saving");
    say(row, text("saving"), "");
    queue.chain = queue.chain.then(function () { return send(id); }).catch(function () {
      var current = document.getElementById(id);
      if (current) return reread(current, text("saveFailed"));
    }).then(function () {
      queue.pending -= 1;
      var current = document.getElementById(id);
      if (!queue.pending && current && current.dataset.state === "saving") {
        setState(current, current.classList.contains("na-pending") ? "pending" : "saved");
        say(current, current.classList.contains("na-pending") ? text("needReason") : "", current.classList.contains("na-pending") ? "warning" : "");
      }
    });
  }

  function formData(row, sent) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", row.querySelector("input[name=csrfmiddlewaretoken]").value);
    data.append("version", row.querySelector("input[name=version]").value);
    data.append("result", sent.result);
    data.append("note", sent.note);
    sent.methods.forEach(function (m) { data.append("methods", m); });
    data.append("na_reason", sent.na_reason);
    return data;
  }

  function send(id) {
    var row = document.getElementById(id);
    if (!row) return Promise.resolve();
    var sent = values(row);
    if (sent.result === NA && !sent.na_reason.trim()) {
      // never send 不适用 without its reason: save the rest under the stored result, if that is not 不适用
      if (row.dataset.result === NA) { say(row, text("needReason"), "warning"); return Promise.resolve(); }
      sent.result = row.dataset.result || "";
    }
    if (row.refused !== undefined) {
      // saves queued behind a refusal would store the redrawn values again (and reset the review):
      // only what was changed after the redraw goes out
      var same = JSON.stringify(sent) === row.refused;
      delete row.refused;
      if (same) return Promise.resolve();
    }
    return fetch(row.dataset.save, {
      method: "POST",
      body: formData(row, sent),
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    }).then(function (response) {
      if (!response.ok) return reread(row, text("saveFailed") + " (HTTP " + response.status + ")");
      return response.text().then(function (html) {
        var fresh = parse(html);
        var current = document.getElementById(id);
        if (!fresh || !current) return reread(current, text("saveFailed"));
        if (fresh.classList.contains("has-error")) {
          replace(current, fresh);
          var now = document.getElementById(id);
          setState(now, "error");
          say(now, text("refused"), "errorlist");
          document.body.dispatchEvent(new CustomEvent("dengbao-save-failed", { bubbles: true }));
          return;
        }
        merge(current, fresh, sent);
        setState(current, "saving"); // settled to saved (or pending) once the queue is empty
        document.body.dispatchEvent(new CustomEvent("dengbao-saved", { bubbles: true }));
      });
    });
  }

  // After a refusal: draw the item again from what is stored, and say why on it.
  function reread(row, message) {
    if (!row) return Promise.resolve();
    var id = row.id;
    return fetch(row.dataset.save, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var fresh = parse(html);
        var current = document.getElementById(id);
        if (fresh && current) replace(current, fresh);
        current = document.getElementById(id);
        if (!current) return;
        current.classList.add("has-error");
        setState(current, "error");
        say(current, message + (fresh ? " · " + text("reloaded") : ""), "errorlist");
      }, function () {
        var current = document.getElementById(id);
        if (current) { setState(current, "error"); say(current, message, "errorlist"); }
      });
  }

  function parse(html) {
    if (!html) return null;
    var doc = new DOMParser().parseFromString(html, "text/html");
    return doc.querySelector("form.row");
  }

  // Swap the whole item (refusals only), keeping the focus on the same field of the item.
  function replace(row, fresh) {
    var active = document.activeElement;
    var where = null;
    if (row.contains(active)) {
      where = active === row ? "" : active.name ? "[name=\"" + active.name + "\"]" + (active.type === "radio" || active.type === "checkbox" ? "[value=\"" + active.value + "\"]" : "") : "";
    }
    var node = document.importNode(fresh, true);
    row.replaceWith(node);
    node.refused = JSON.stringify(values(node));
    if (window.htmx) window.htmx.process(node);
    if (where !== null) {
      var target = where ? node.querySelector(where) : null;
      (target || node).focus({ preventScroll: true });
    }
  }

  // A successful save: take the new version and status; a field is set to the stored value only if
  // nobody typed into it since the request went out (the cursor never jumps).
  function merge(row, fresh, sent) {
    row.querySelector("input[name=version]").value = fresh.querySelector("input[name=version]").value;
    row.dataset.result = fresh.dataset.result;
    var pending = row.classList.contains("na-pending") && checked(row) === NA && !values(row).na_reason.trim();
    row.className = fresh.className + (pending ? " na-pending" : "");
    var now = values(row);
    if (now.result === sent.result) {
      row.querySelectorAll("input[name=result]").forEach(function (radio) {
        var stored = fresh.querySelector("input[name=result][value=\"" + radio.value + "\"]");
        radio.checked = !!stored && stored.checked;
      });
    }
    if (now.note === sent.note && note(row)) note(row).value = note(fresh).value;
    if (now.methods.join() === sent.methods.join()) {
      row.querySelectorAll("input[name=methods]").forEach(function (box) {
        var stored = fresh.querySelector("input[name=methods][value=\"" + box.value + "\"]");
        box.checked = !!stored && stored.checked;
      });
    }
    // A reason typed for a result other than 不适用 is a draft the server does not keep: it stays on
    // screen. The reason of a stored 不适用 that was just changed to another result is gone: clear it.
    var field = reason(row);
    if (field && now.na_reason === sent.na_reason) {
      if (fresh.dataset.result === NA || field.value === row.dataset.naReason) field.value = reason(fresh).value;
    }
    row.dataset.naReason = fresh.dataset.naReason;
    ["status", "returned", "review"].forEach(function (name) {
      var old = row.querySelector("." + name);
      var neu = fresh.querySelector("." + name);
      if (old && old.contains(document.activeElement)) return;
      if (old && neu) { old.replaceWith(document.importNode(neu, true)); }
      else if (old) { old.remove(); }
      else if (neu) { row.appendChild(document.importNode(neu, true)); }
    });
    if (window.htmx) window.htmx.process(row);
  }

  // --- events -------------------------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    var el = document.activeElement;
    var arrows = event.key === "ArrowDown" || event.key === "ArrowUp";
    if (arrows && event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
      return;
    }
    var row = rowOf(el);
    if (!row || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (el !== row) {
      if (event.key === "Escape") { event.preventDefault(); row.focus(); return; }
      if (event.key === "Enter" && el.name === "na_reason") { event.preventDefault(); row.focus(); return; }
      if (isTextField(el)) return; // typing goes to the field
    }
    if (/^[1-4]$/.test(event.key)) {
      var radio = row.querySelector("input[type=radio][data-key=\"" + event.key + "\"]");
      if (!radio || radio.matches(":disabled")) return; // also disabled through its <fieldset>
      event.preventDefault();
      radio.checked = true;
      resultChosen(row);
      return;
    }
    if (el !== row) return;
    if (arrows) { event.preventDefault(); move(event.key === "ArrowDown" ? 1 : -1); return; }
    var area = note(row);
    if (!area || area.disabled) return;
    if (event.key === "Enter") { event.preventDefault(); focusEnd(area); return; }
    // a printable character typed on the item: it lands in the note (focus moves before the input)
    if (event.key.length === 1 && event.key !== " ") focusEnd(area);
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    var row = rowOf(field);
    if (!row || field.form !== row || field.type === "file") return; // form="none" controls save themselves
    if (field.name === "result") { resultChosen(row); return; }
    if (field.name === "na_reason" && checked(row) !== NA) {
      say(row, field.value.trim() ? text("draftReason") : "", "");
      return; // kept on screen; saved with 不适用
    }
    save(row);
  });

  // Enter in a single-field form would submit it as a page: the checklist never does that.
  document.addEventListener("submit", function (event) {
    if (rowOf(event.target)) event.preventDefault();
  }, true);

  window.addEventListener("beforeunload", function (event) {
    var busy = Object.keys(queues).some(function (id) { return queues[id].pending > 0; }) ||
      !!list.querySelector("form.row.na-pending");
    if (busy) { event.preventDefault(); event.returnValue = ""; }
  });

  // Evidence upload, review and 存为常用记录 still answer the row through htmx: keep the keyboard on it.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var row = rowOf(event.detail.elt);
    if (row && row.contains(document.activeElement)) window.__dengbaoFocus = row.id;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!window.__dengbaoFocus) return;
    var row = document.getElementById(window.__dengbaoFocus);
    window.__dengbaoFocus = null;
    if (row) row.focus({ preventScroll: true });
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
