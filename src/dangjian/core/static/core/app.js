// Small behaviours shared by every page: toasts, the org picker, date pickers, tree toggles.
(function () {
  "use strict";
  function initToasts(root) {
    root.querySelectorAll(".toast[data-autohide]").forEach(function (el) {
      setTimeout(function () { el.classList.remove("show"); }, 6000);
    });
  }
  function initPickers(root) {
    if (window.TomSelect) {
      root.querySelectorAll("select[data-picker]").forEach(function (el) {
        if (el.tomselect) return;
        new TomSelect(el, {
          valueField: "url", labelField: "label", searchField: ["label", "initials"],
          maxOptions: 30, loadThrottle: 250, placeholder: el.getAttribute("placeholder"),
          load: function (query, callback) {
            fetch(el.dataset.searchUrl + "?format=json&q=" + encodeURIComponent(query), {credentials: "same-origin"})
              .then(function (r) { return r.json(); }).then(function (j) { callback(j.results); })
              .catch(function () { callback(); });
          },
          onChange: function (value) { if (value) { window.location.href = value; } },
          render: { no_results: function () { return '<div class="no-results">未找到</div>'; } }
        });
      });
      // A form field choosing one org: only the chosen option is rendered, the rest is searched remotely.
      root.querySelectorAll("select[data-remote-select]").forEach(function (el) {
        if (el.tomselect) return;
        var url = el.dataset.remoteSelect;
        new TomSelect(el, {
          valueField: "id", labelField: "label", searchField: ["label", "initials"],
          maxOptions: 30, loadThrottle: 250,
          placeholder: el.getAttribute("placeholder") || "输入名称或拼音首字母查找",
          load: function (query, callback) {
            fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "format=json&q=" + encodeURIComponent(query),
                  {credentials: "same-origin", headers: {Accept: "application/json"}})
              .then(function (r) { return r.json(); }).then(function (j) { callback(j.results); })
              .catch(function () { callback(); });
          },
          render: {
            option: function (d, escape) {
              return "<div>" + escape(d.label) +
                (d.kind ? ' <span class="text-secondary small">' + escape(d.kind) + "</span>" : "") + "</div>";
            },
            no_results: function () { return '<div class="no-results">未找到</div>'; }
          }
        });
      });
      root.querySelectorAll("select[data-choices]").forEach(function (el) {
        if (!el.tomselect) { new TomSelect(el, {maxOptions: 200}); }
      });
    }
    if (window.flatpickr) {
      root.querySelectorAll("input[type=date]").forEach(function (el) {
        if (!el._flatpickr) { flatpickr(el, {locale: "zh", dateFormat: "Y-m-d", allowInput: true}); }
      });
    }
  }
  // CSP (no inline style or handler): progress widths come from data-progress, confirmations from data-confirm.
  function initProgress(root) {
    root.querySelectorAll("[data-progress]").forEach(function (el) { el.style.width = el.dataset.progress + "%"; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    initToasts(document); initPickers(document); initProgress(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) { initPickers(e.target); });
  document.addEventListener("htmx:load", function (e) { initProgress(e.detail.elt); });
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-tree-toggle]");
    if (!btn) return;
    var li = btn.closest("li");
    var sub = li.querySelector(":scope > ul");
    if (sub && sub.dataset.loaded) {
      sub.hidden = !sub.hidden;
      btn.setAttribute("aria-expanded", String(!sub.hidden));
      btn.textContent = sub.hidden ? "▸" : "▾";
      e.preventDefault();
    }
  });
  // A partial request that fails says so in Chinese: the server's own message (503 and 429 answer htmx with JSON
  // {"detail": …}) or the status. A tab pane shows it in place of "正在加载…"; anything else gets a toast.
  function failureMessage(xhr) {
    if (!xhr || !xhr.status) { return "网络连接失败，请检查网络后重试。"; }
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.detail) { return String(body.detail); }
    } catch (err) { /* not JSON: an HTML error page */ }
    if (xhr.status === 403) { return "没有权限，或登录已过期，请刷新页面后重试。"; }
    if (xhr.status === 404) { return "内容不存在，或不在您的管辖范围内。"; }
    return "请求未能完成（" + xhr.status + "），请稍后重试。";
  }
  function showFailure(target, message) {
    var alert = document.createElement("div");
    alert.className = "alert alert-danger mb-0";
    alert.setAttribute("role", "alert");
    alert.textContent = message;
    if (target && target.classList && target.classList.contains("tab-pane")) {
      target.replaceChildren(alert);
      return;
    }
    var toasts = document.getElementById("toasts");
    if (!toasts) { return; }
    var toast = document.createElement("div");
    toast.className = "toast show align-items-center border-0 text-bg-danger";
    toast.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    toast.appendChild(body);
    toasts.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 8000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    showFailure(e.detail.target, failureMessage(e.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (e) {
    showFailure(e.detail.target, failureMessage(null));
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    var ul = e.target;
    if (ul.matches && ul.matches("ul[data-children]")) {
      ul.dataset.loaded = "1";
      var btn = ul.closest("li").querySelector("[data-tree-toggle]");
      if (btn) { btn.textContent = "▾"; btn.setAttribute("aria-expanded", "true"); btn.removeAttribute("hx-get"); }
    }
  });
})();
