/* Rich-text meeting minutes: a toolbar (bold, italic, underline, headings, lists) over a contenteditable area
   that replaces every <textarea data-richtext>. The textarea stays the form field: it receives the HTML on
   each change and on submit. The server keeps only its allow-list of tags (orglife/richtext.py). The
   starting content comes from the server already sanitised. Without JavaScript the textarea is used as is. */
(function () {
  "use strict";

  var BUTTONS = [
    { cmd: "bold", label: "加粗", text: "B", cls: "fw-bold" },
    { cmd: "italic", label: "倾斜", text: "I", cls: "fst-italic" },
    { cmd: "underline", label: "下划线", text: "U", cls: "text-decoration-underline" },
    { cmd: "formatBlock", arg: "h3", label: "标题", text: "标题" },
    { cmd: "formatBlock", arg: "h4", label: "小标题", text: "小标题" },
    { cmd: "formatBlock", arg: "p", label: "正文段落", text: "正文" },
    { cmd: "insertUnorderedList", label: "项目符号列表", text: "• 列表" },
    { cmd: "insertOrderedList", label: "编号列表", text: "1. 列表" },
    { cmd: "removeFormat", label: "清除格式", text: "清除格式" }
  ];

  function setup(area) {
    var wrap = document.createElement("div");
    wrap.className = "richtext border rounded";
    var bar = document.createElement("div");
    bar.className = "richtext-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "会议记录格式");
    var editor = document.createElement("div");
    editor.className = "richtext-body";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    var label = area.id ? document.querySelector('label[for="' + area.id + '"]') : null;
    editor.setAttribute("aria-label", label ? label.textContent.trim() : "会议记录");
    editor.dataset.richtextFor = area.name;
    editor.innerHTML = area.value; // sanitised by the server (richtext.for_editor)

    function sync() {
      area.value = editor.innerHTML;
    }

    BUTTONS.forEach(function (b) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "btn btn-sm btn-outline-secondary" + (b.cls ? " " + b.cls : "");
      btn.textContent = b.text;
      btn.title = b.label;
      btn.setAttribute("aria-label", b.label);
      btn.dataset.cmd = b.arg ? b.cmd + ":" + b.arg : b.cmd;
      btn.addEventListener("mousedown", function (e) { e.preventDefault(); }); // keep the selection
      btn.addEventListener("click", function () {
        editor.focus();
        document.execCommand(b.cmd, false, b.arg ? "<" + b.arg + ">" : null);
        sync();
      });
      bar.appendChild(btn);
    });

    editor.addEventListener("input", sync);
    editor.addEventListener("blur", sync);
    if (area.form) {
      area.form.addEventListener("submit", sync);
    }
    wrap.appendChild(bar);
    wrap.appendChild(editor);
    area.parentNode.insertBefore(wrap, area);
    area.hidden = true;
    area.setAttribute("aria-hidden", "true");
  }

  function init(root) {
    (root || document).querySelectorAll("textarea[data-richtext]").forEach(function (area) {
      if (!area.dataset.richtextReady) {
        area.dataset.richtextReady = "1";
        setup(area);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
