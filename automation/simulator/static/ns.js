/*
 * NetSuite simulator client code. Widgets behave like NetSuite's (checkbox spans, dropdown
 * widgets with a shared div.dropdownDiv, subtabs, sublist edit machines, native alert/confirm on
 * Save) and are driven by data-* attributes written by markup.py, so pages need no own scripts.
 */
(function () {
  "use strict";
  var NS = (window.NS = window.NS || {});
  var inited = false;
  var changeHandlers = {};
  var validators = [];

  NS.form = {
    isInited: function () {
      return inited;
    },
  };
  NS.pageData = {};
  NS.pages = {};

  function $(sel, root) {
    return (root || document).querySelector(sel);
  }
  function $$(sel, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(sel));
  }
  function byId(id) {
    return document.getElementById(id);
  }

  NS.onFieldChanged = function (name, fn) {
    (changeHandlers[name] = changeHandlers[name] || []).push(fn);
  };
  function fireChange(name) {
    (changeHandlers[name] || []).forEach(function (fn) {
      fn(name);
    });
    applyConditions();
  }
  NS.fireChange = fireChange;
  NS.addValidator = function (fn) {
    validators.push(fn);
  };

  // ---- checkboxes ------------------------------------------------------------------------
  // A gate may refuse a check (e.g. until the Terms of Service are agreed to).
  NS.checkboxGates = {};

  function checkboxInput(name) {
    return byId(name + "_fs_inp");
  }
  function syncCheckbox(inp) {
    var span = inp.parentNode;
    span.classList.toggle("checkbox_ck", inp.checked);
    span.classList.toggle("checkbox_unck", !inp.checked);
    span.classList.toggle("uir-disabled", inp.disabled);
  }
  window.NLCheckboxOnClick = function (span) {
    var inp = span.querySelector("input[type=checkbox]");
    if (!inp || inp.disabled) return;
    var ev = window.event;
    // A click on the input toggles it natively; a click on the image or span does not.
    if (!ev || ev.target !== inp) inp.checked = !inp.checked;
    var gate = NS.checkboxGates[inp.name];
    if (inp.checked && gate && !gate(inp)) inp.checked = false;
    syncCheckbox(inp);
    fireChange(inp.name);
  };
  NS.setCheckbox = function (name, checked) {
    var inp = checkboxInput(name);
    if (!inp || inp.checked === checked) return;
    inp.checked = checked;
    syncCheckbox(inp);
    fireChange(name);
  };
  NS.isChecked = function (name) {
    var inp = checkboxInput(name);
    return !!(inp && inp.checked && !inp.disabled);
  };

  // Fields that show or enable only while a checkbox is checked (data-show-if / data-enable-if).
  function applyConditions() {
    $$("[data-enable-if]").forEach(function (w) {
      var on = NS.isChecked(w.getAttribute("data-enable-if"));
      $$("input", w).forEach(function (inp) {
        inp.disabled = !on;
        if (inp.type === "checkbox") syncCheckbox(inp);
      });
    });
    $$("[data-show-if]").forEach(function (w) {
      w.hidden = !NS.isChecked(w.getAttribute("data-show-if"));
    });
  }

  // ---- dropdown widgets ------------------------------------------------------------------
  var openSpan = null;
  var highlighted = -1;

  function ddRoot() {
    return $("div.dropdownDiv");
  }
  function parts(span) {
    return {
      text: $("input.dropdownInput", span),
      hidden: $("input[type=hidden]", span),
      options: JSON.parse(span.getAttribute("data-options") || "[]"),
    };
  }
  function widgetSpan(name) {
    return byId(name + "_fs");
  }
  function closeList() {
    var root = ddRoot();
    if (root) {
      root.innerHTML = "";
      root.style.display = "none";
    }
    openSpan = null;
    highlighted = -1;
  }
  function openList(span, filter) {
    var root = ddRoot();
    var p = parts(span);
    if (!root || p.text.disabled) return;
    root.innerHTML = "";
    var list = document.createElement("div");
    list.setAttribute("style", "display: block;");
    list.setAttribute("data-for", p.hidden.name);
    var needle = (filter || "").toLowerCase();
    p.options.forEach(function (o) {
      if (needle && o[1].toLowerCase().indexOf(needle) < 0) return;
      var div = document.createElement("div");
      div.textContent = o[1];
      div.setAttribute("data-value", o[0]);
      div.className = o[0] === p.hidden.value ? "dropdownSelected" : "dropdownNotSelected";
      list.appendChild(div);
    });
    root.appendChild(list);
    var rect = p.text.getBoundingClientRect();
    root.style.display = "block";
    root.style.left = rect.left + window.scrollX + "px";
    root.style.top = rect.bottom + window.scrollY + "px";
    root.style.minWidth = rect.width + "px";
    openSpan = span;
    highlighted = -1;
  }
  function choose(span, value, fire) {
    var p = parts(span);
    var opt = p.options.filter(function (o) {
      return o[0] === value;
    })[0];
    var newValue = opt ? opt[0] : "";
    var changed = p.hidden.value !== newValue;
    p.hidden.value = newValue;
    p.text.value = opt ? opt[1] : "";
    if (openSpan === span) closeList();
    if (changed && fire !== false) fireChange(p.hidden.name);
  }
  // Typed text that matches an option exactly selects it; anything else reverts.
  function reconcile(span) {
    var p = parts(span);
    var typed = p.text.value.trim().toLowerCase();
    if (!typed) return choose(span, "");
    var match = p.options.filter(function (o) {
      return o[1].toLowerCase() === typed;
    })[0];
    if (match) return choose(span, match[0]);
    choose(span, p.hidden.value, false);
  }
  NS.dropdown = {
    getValue: function (name) {
      var span = widgetSpan(name);
      return span ? parts(span).hidden.value : "";
    },
    setValue: function (name, value, fire) {
      var span = widgetSpan(name);
      if (span) choose(span, value, fire);
    },
    setOptions: function (name, options, value, fire) {
      var span = widgetSpan(name);
      if (!span) return;
      span.setAttribute("data-options", JSON.stringify(options));
      choose(span, value, fire);
    },
  };

  function initDropdowns() {
    document.addEventListener("click", function (ev) {
      var t = ev.target;
      var span = t.closest && t.closest("span.uir-select-input-container");
      if (span && (t.matches("input.dropdownInput") || t.closest(".ddarrowSpan"))) {
        if (openSpan === span) closeList();
        else openList(span, "");
        parts(span).text.focus();
        return;
      }
      var root = ddRoot();
      if (root && root.contains(t) && openSpan && t.hasAttribute("data-value")) {
        choose(openSpan, t.getAttribute("data-value"));
        return;
      }
      closeList();
    });
    var root = ddRoot();
    if (root) {
      // Keep focus in the input while an option is clicked, so blur does not revert the choice.
      root.addEventListener("mousedown", function (ev) {
        ev.preventDefault();
      });
    }
    document.addEventListener("input", function (ev) {
      if (ev.target.matches && ev.target.matches("input.dropdownInput")) {
        openList(ev.target.closest("span.uir-select-input-container"), ev.target.value);
      }
    });
    document.addEventListener("keydown", function (ev) {
      var t = ev.target;
      if (!(t.matches && t.matches("input.dropdownInput"))) return;
      var span = t.closest("span.uir-select-input-container");
      var items = openSpan === span ? $$("div[data-value]", ddRoot()) : [];
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        if (openSpan !== span) {
          openList(span, "");
          items = $$("div[data-value]", ddRoot());
        }
        highlighted = Math.max(0, Math.min(items.length - 1, highlighted + (ev.key === "ArrowDown" ? 1 : -1)));
        items.forEach(function (d, i) {
          d.className = i === highlighted ? "dropdownSelected" : "dropdownNotSelected";
        });
        ev.preventDefault();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        var pick = items[highlighted >= 0 ? highlighted : 0];
        if (pick) choose(span, pick.getAttribute("data-value"));
        else reconcile(span);
      } else if (ev.key === "Escape") {
        closeList();
        choose(span, parts(span).hidden.value, false);
      }
    });
    document.addEventListener(
      "blur",
      function (ev) {
        var t = ev.target;
        if (t.matches && t.matches("input.dropdownInput")) {
          var span = t.closest("span.uir-select-input-container");
          if (openSpan === span) closeList();
          reconcile(span);
        }
      },
      true
    );
  }

  // ---- subtabs ---------------------------------------------------------------------------
  NS.showTab = function (a) {
    var td = a.closest("td[data-tab]");
    var bar = td.closest("table[data-tab-group]");
    var group = bar.getAttribute("data-tab-group");
    $$("td[data-tab]", bar).forEach(function (c) {
      c.className = c === td ? "formtabon" : "formtaboff";
    });
    $$('div.uir-tab-pane[data-tab-group="' + group + '"]').forEach(function (pane) {
      pane.style.display = pane.id === td.getAttribute("data-tab") + "_div" ? "block" : "none";
    });
    closeList();
    return false;
  };

  // ---- sublist edit machines -------------------------------------------------------------
  var machines = [];

  function Machine(el) {
    var self = this;
    this.el = el;
    this.cfg = JSON.parse(el.getAttribute("data-machine"));
    this.name = this.cfg.name;
    this.data = byId(this.name + "data");
    this.rows = JSON.parse(this.data.value || "[]");
    this.editing = null; // index of the committed row being edited; null = the new line
    this.table = byId(this.name + "_splits");
    this.widgets = {};
    this.cfg.columns.forEach(function (c) {
      self.widgets[c.field] = widgetSpan(c.field);
    });
    byId(this.name + "_addedit").addEventListener("click", function () {
      self.add(false);
    });
    byId(this.name + "_remove").addEventListener("click", function () {
      self.remove();
    });
    byId(this.name + "_clear").addEventListener("click", function () {
      self.editing = null;
      self.clearLine();
      self.render();
    });
    this.table.addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-line]");
      if (!tr || tr.classList.contains("uir-machine-row-focused")) return;
      self.edit(parseInt(tr.getAttribute("data-line"), 10) - 1);
    });
    var dep = this.cfg.dependent;
    if (dep) {
      NS.onFieldChanged(dep.from, function () {
        var opts = dep.options[NS.dropdown.getValue(dep.from)] || [];
        NS.dropdown.setOptions(dep.to, opts, opts.length ? opts[0][0] : "");
      });
      // Levels are offered only once a permission is chosen.
      NS.dropdown.setOptions(dep.to, [], "", false);
    }
  }
  Machine.prototype.lineValues = function () {
    var v = {};
    this.cfg.columns.forEach(function (c) {
      v[c.field] = NS.dropdown.getValue(c.field);
    });
    return v;
  };
  Machine.prototype.lineEmpty = function () {
    var v = this.lineValues();
    return Object.keys(v).every(function (k) {
      return !v[k];
    });
  };
  Machine.prototype.clearLine = function () {
    this.cfg.columns.forEach(function (c) {
      NS.dropdown.setValue(c.field, "", true);
    });
    if (this.cfg.dependent) NS.dropdown.setOptions(this.cfg.dependent.to, [], "", false);
  };
  // Commit the line; `quiet` (on Save) skips an empty new line instead of complaining.
  Machine.prototype.add = function (quiet) {
    var self = this;
    if (quiet && this.editing === null && this.lineEmpty()) return true;
    var v = this.lineValues();
    var missing = this.cfg.columns
      .filter(function (c) {
        return !v[c.field];
      })
      .map(function (c) {
        return c.label;
      });
    if (missing.length) {
      alert("Please enter value(s) for: " + missing.join(", "));
      return false;
    }
    var key = this.cfg.columns[0].field;
    var dup = this.rows.some(function (r, i) {
      return i !== self.editing && r[key] === v[key];
    });
    if (dup) {
      alert(this.cfg.duplicate_message || "This entry already exists in the list.");
      return false;
    }
    if (this.editing === null) this.rows.push(v);
    else this.rows[this.editing] = v;
    this.editing = null;
    this.clearLine();
    this.render();
    return true;
  };
  Machine.prototype.remove = function () {
    if (this.editing !== null) this.rows.splice(this.editing, 1);
    this.editing = null;
    this.clearLine();
    this.render();
  };
  Machine.prototype.edit = function (index) {
    var row = this.rows[index];
    if (!row) return;
    this.editing = index;
    this.cfg.columns.forEach(function (c) {
      NS.dropdown.setValue(c.field, row[c.field], true);
    });
    this.render();
  };
  Machine.prototype.render = function () {
    var self = this;
    closeList();
    $$("tr.uir-machine-row", this.table).forEach(function (tr) {
      tr.parentNode.removeChild(tr);
    });
    var body = this.table.tBodies[0] || this.table;
    var lines = this.rows.length + (this.editing === null ? 1 : 0);
    for (var i = 0; i < lines; i++) {
      var tr = document.createElement("tr");
      var isEdit = i === this.editing || (this.editing === null && i === this.rows.length);
      tr.id = this.name + "_row_" + (i + 1);
      tr.className = "uir-machine-row" + (isEdit ? " uir-machine-row-focused" : "");
      tr.setAttribute("data-line", String(i + 1));
      this.cfg.columns.forEach(function (c) {
        var td = document.createElement("td");
        td.className = "uir-machine-cell";
        td.setAttribute("data-field", c.field);
        if (isEdit) td.appendChild(self.widgets[c.field]);
        else td.textContent = c.texts[self.rows[i][c.field]] || "";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    }
    byId(this.name + "_addedit").value = this.editing === null ? "Add" : "OK";
    this.data.value = JSON.stringify(this.rows);
  };

  // ---- form submit -----------------------------------------------------------------------
  function fieldValue(w) {
    if (w.getAttribute("data-field-type") === "select") return $("input[type=hidden]", w).value;
    var c = $("span.uir-field input, span.uir-field textarea", w);
    return c ? c.value.trim() : "";
  }
  NS.form.onSubmit = function (form, ev) {
    if (form.getAttribute("data-submitting")) return false;
    for (var i = 0; i < machines.length; i++) {
      if (!machines[i].add(true)) {
        ev.preventDefault();
        return false;
      }
    }
    var missing = $$(".uir-field-wrapper[data-required]", form)
      .filter(function (w) {
        return !w.hidden && !w.closest("[hidden]") && !fieldValue(w);
      })
      .map(function (w) {
        return w.getAttribute("data-nsps-label");
      });
    if (missing.length) {
      alert("Please enter value(s) for: " + missing.join(", "));
      ev.preventDefault();
      return false;
    }
    for (var j = 0; j < validators.length; j++) {
      var msg = validators[j]();
      if (msg) {
        alert(msg);
        ev.preventDefault();
        return false;
      }
    }
    form.setAttribute("data-submitting", "T");
    return true;
  };

  // Buttons and links that confirm() and then post a small hidden form (reset, revoke).
  NS.confirmPost = function (el) {
    if (window.confirm(el.getAttribute("data-confirm"))) byId(el.getAttribute("data-form")).submit();
    return false;
  };

  // ---- page behaviours -------------------------------------------------------------------
  // Enable Features: a feature that brings the SuiteCloud Terms of Service opens them in a window.
  // Dials: tos_ticked_at_once (the box shows ticked before I Agree), tos_delays (the window opens
  // that many ms after the click), tos_confirm (a native confirm() first; Cancel unticks, no window).
  var termsWindows = {}; // feature → the name of its latest terms window: an older one answers nothing
  NS.pages.features = function (data) {
    var termsOpened = 0;
    function openTerms(f) {
      if (data.tos_confirm && !window.confirm(data.tos_confirm)) {
        NS.setCheckbox(f, false);
        return;
      }
      var name = "suitecloudterms_" + f + "_" + Date.now() + "_" + ++termsOpened; // never an older window
      termsWindows[f] = name;
      var win = window.open(data.tos_url + encodeURIComponent(f), name, "width=720,height=640,scrollbars=yes");
      // A window closed without an answer (no pagehide when the browser just drops it) unticks too.
      var watch = setInterval(function () {
        if (!win || win.closed) {
          clearInterval(watch);
          NS.tosDeclined(f, name);
        }
      }, 200);
    }
    data.tos_features.forEach(function (f) {
      NS.checkboxGates[f] = function (inp) {
        var agreed = byId("tosagree_" + f);
        if (inp.getAttribute("data-initial") === "T" || (agreed && agreed.value)) return true;
        if (!data.tos_ticked_at_once) {
          openTerms(f);
          return false;
        }
        var delay = data.tos_delays[f] || 0;
        if (delay) {
          termsWindows[f] = "pending"; // an older window closing meanwhile answers nothing
          setTimeout(function () {
            if (inp.checked) openTerms(f);
          }, delay);
        } else {
          openTerms(f);
        }
        return inp.checked; // a cancelled confirm() has unticked it already
      };
    });
  };
  // Called by the Terms of Service popup's "I Agree".
  NS.tosAgreed = function (feature, token) {
    var agreed = byId("tosagree_" + feature);
    if (agreed) agreed.value = token;
    var inp = checkboxInput(feature);
    if (inp) {
      inp.checked = true;
      syncCheckbox(inp);
      fireChange(feature);
    }
  };
  // Called when the popup closes without "I Agree" (I Disagree, or the window closed): unticked.
  NS.tosDeclined = function (feature, windowName) {
    var agreed = byId("tosagree_" + feature);
    if (agreed && agreed.value) return;
    if (windowName && termsWindows[feature] && windowName !== termsWindows[feature]) return;
    var inp = checkboxInput(feature);
    if (inp && inp.getAttribute("data-initial") !== "T") NS.setCheckbox(feature, false);
  };
  NS.pages.suitecloudterms = function (data) {
    var answered = false;
    function opener() {
      try {
        return window.opener && window.opener.NS ? window.opener.NS : null;
      } catch (e) {
        return null; // the opener went to another site
      }
    }
    byId("agree").addEventListener("click", function () {
      answered = true;
      if (opener()) opener().tosAgreed(data.feature, data.token);
      window.close();
    });
    byId("disagree").addEventListener("click", function () {
      answered = true;
      if (opener()) opener().tosDeclined(data.feature, window.name);
      window.close();
    });
    window.addEventListener("pagehide", function () {
      if (!answered && opener()) opener().tosDeclined(data.feature, window.name);
    });
  };
  NS.pages.integration = function (data) {
    NS.addValidator(function () {
      var grants = NS.isChecked("authcodegrant") || NS.isChecked("clientcredentials");
      var scoped = ["scoperestlets", "scoperestwebservices", "scopesuiteanalytics"].some(NS.isChecked);
      return grants && !scoped ? data.scope_message : null;
    });
  };
  NS.pages.accesstoken = function (data) {
    function autofill() {
      var names = ["application", "entity", "role"].map(function (f) {
        var span = widgetSpan(f);
        return span && parts(span).hidden.value ? parts(span).text.value : "";
      });
      if (names.every(Boolean)) byId("name").value = names.join(" - ");
    }
    NS.onFieldChanged("entity", function () {
      NS.dropdown.setOptions("role", data.roles_by_user[NS.dropdown.getValue("entity")] || [], "", true);
      autofill();
    });
    NS.onFieldChanged("application", autofill);
    NS.onFieldChanged("role", autofill);
  };
  // OAuth 2.0 M2M mapping popup: the Role list follows the chosen Entity.
  NS.pages.m2mmapping = function (data) {
    NS.onFieldChanged("entity", function () {
      NS.dropdown.setOptions("role", data.roles_by_entity[NS.dropdown.getValue("entity")] || [], "", true);
    });
  };
  // After a saved mapping the popup reloads the list that opened it and closes.
  NS.pages.m2mdone = function () {
    if (window.opener && !window.opener.closed) window.opener.location.reload();
    window.close();
  };
  NS.pages.loginchallenge = function () {
    var form = byId("loginchallenge_form");
    var code = $("input[type=tel]");
    function submit() {
      form.elements.code.value = code.value;
      var trust = $("#uif-trust input[type=checkbox]");
      form.elements.trust.value = trust && trust.checked ? "T" : "F";
      form.submit();
    }
    $("div[data-type='primary'][role='button']").addEventListener("click", submit);
    code.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") submit();
    });
    code.focus();
  };

  // ---- SuiteScript-ish client API (scripts probe these to know the form is ready) --------
  window.nlapiGetField = function (name) {
    return $('#main_form [name="' + name + '"]') ? { name: name } : null;
  };
  window.nlapiGetFieldValue = function (name) {
    var el = $('#main_form [name="' + name + '"]');
    if (!el) return null;
    if (el.type === "checkbox") return el.checked ? "T" : "F";
    return el.value;
  };

  function init() {
    var dataEl = byId("ns-page-data");
    NS.pageData = dataEl ? JSON.parse(dataEl.textContent) : {};
    initDropdowns();
    $$("div.uir-machine[data-machine]").forEach(function (el) {
      machines.push(new Machine(el));
    });
    var page = NS.pages[NS.pageData.page];
    if (page) page(NS.pageData);
    applyConditions();
    inited = true;
  }
  document.addEventListener("DOMContentLoaded", init);
})();
