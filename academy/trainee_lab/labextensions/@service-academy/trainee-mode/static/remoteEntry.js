/*
 * Service Academy trainee mode for JupyterLab 4.
 *
 * A prebuilt ("federated") JupyterLab extension written by hand: JupyterLab loads this file,
 * calls init() and get('./extension'), and activates the plugin below. It uses only the
 * application object's public API (document registry, commands, service settings) and plain
 * DOM, so it needs no build step and no node_modules.
 *
 * What it does in a trainee's JupyterLab (academy.trainee_lab configures the rest):
 * - every notebook runs its cells once the kernel is ready (and again after a kernel restart),
 *   so a course module or an exam shows its widgets on open, without Run All;
 * - an exam notebook (metadata.academy.exam) gets a "Submit exam" button: it saves the notebook,
 *   asks for confirmation, submits through nbgrader's assignment_list server extension and shows
 *   the submitted state (also when the exam is opened again later);
 * - an exam's written-answer boxes (nbgrader's solution markdown cells) open for typing with one
 *   click (no keyboard shortcut is needed: trainee mode has none), and are shown and saved when
 *   the trainee clicks elsewhere;
 * - the file browser shows, instead of files and folders, the trainee's courses, modules and
 *   exams by title in the page's language (GET /academy/documents, academy.trainee_lab.server),
 *   and each document's tab is named by its title;
 * - everything it shows is in the page's language (page config `academyLocale`: the `lang` of
 *   the address, kept in a cookie, else the server's default).
 */
(function () {
  "use strict";

  var TEXT = {
    en: {
      lang: "en",
      submit: "Submit exam",
      again: "Submit again",
      confirmTitle: "Submit your exam?",
      confirmBody: "Your answers are saved and sent to your trainer. You can still change them " +
        "and submit again until the exam closes; your last submission counts.",
      cancel: "Cancel",
      confirm: "Submit",
      submitting: "Submitting ...",
      submitted: "Submitted",
      notSubmitted: "Not submitted yet",
      failed: "Not submitted. Please try again or tell your trainer.",
      feedbackHint: "Your feedback comes later: menu Exams > My exams, Fetch Feedback.",
      documents: "Courses and exams",
      myCourses: "My courses",
      myExams: "My exams",
      noExams: "No exam yet: open menu Exams > My exams and click Fetch.",
      answerStub: "✎ Click here and write your answer.",
      answerSaved: "Saved",
      answerNotSaved: "Not saved. Click in the box and out again, or tell your trainer."
    },
    zh: {
      lang: "zh",
      submit: "提交试卷",
      again: "再次提交",
      confirmTitle: "确认提交试卷？",
      confirmBody: "你的答案将被保存并发送给培训师。考试结束前你仍可修改并再次提交，以最后一次提交为准。",
      cancel: "取消",
      confirm: "提交",
      submitting: "正在提交……",
      submitted: "已提交",
      notSubmitted: "尚未提交",
      failed: "提交失败，请重试或联系培训师。",
      feedbackHint: "培训师发布反馈后：菜单“考试 > 考试列表”，点击“获取反馈”。",
      documents: "课程与考试",
      myCourses: "我的课程",
      myExams: "我的考试",
      noExams: "还没有考试：打开菜单“考试 > 考试列表”，点击“领取”。",
      answerStub: "✎ 点击此处写下你的答案。",
      answerSaved: "已保存",
      answerNotSaved: "未保存。请在方框内点击后再点击别处，或联系培训师。"
    }
  };

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function academyMeta(panel) {
    var model = panel.context && panel.context.model;
    if (!model) { return {}; }
    var meta = model.getMetadata ? model.getMetadata("academy") : null;
    return meta || {};
  }

  // ---- run on open ----------------------------------------------------------------------------

  async function kernelIdle(panel, tries) {
    for (var i = 0; i < tries; i++) {
      var session = panel.sessionContext.session;
      var kernel = session && session.kernel;
      if (kernel && kernel.connectionStatus === "connected" && kernel.status === "idle") {
        return true;
      }
      if (panel.isDisposed) { return false; }
      await sleep(250);
    }
    return false;
  }

  async function runAll(app, panel) {
    if (!(await kernelIdle(panel, 2400))) { return; }  // up to ten minutes on a loaded machine
    panel.node.setAttribute("data-academy-run", "running");
    // running every cell moves to the last one: the reader stays where they were (the top)
    var notebook = panel.content;
    var scroller = notebook.outerNode || notebook.node;
    var top = scroller.scrollTop;
    // a notebook restored behind another tab (an exam left open, then a plan link to a module)
    // runs in the background: running moves the focus into it, which would bring its tab to the
    // front; the tab the reader was on stays in front
    var front = app.shell.currentWidget;
    try {
      await app.commands.execute("notebook:run-all-cells", { widgetId: panel.id, activate: false });
    } finally {
      notebook.activeCellIndex = 0;
      scroller.scrollTop = top;
      panel.node.setAttribute("data-academy-run", "done");
      // (never away from the document the address asked for: it is meant to be in front)
      if (front && front !== panel && !front.isDisposed && app.shell.currentWidget === panel &&
          !(panel.context && panel.context.path === addressPath())) {
        app.shell.activateById(front.id);
      }
    }
  }

  function watchRestarts(app, panel) {
    var restarting = false;
    panel.sessionContext.statusChanged.connect(function (_ctx, status) {
      if (status === "restarting" || status === "autorestarting") {
        restarting = true;
      } else if (status === "idle" && restarting) {
        restarting = false;
        void runAll(app, panel);
      }
    });
  }

  // ---- exams: submit ----------------------------------------------------------------------------

  async function request(app, method, path, form) {
    var settings = app.serviceManager.serverSettings;
    var headers = {};
    if (settings.token) { headers.Authorization = "token " + settings.token; }
    var xsrf = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    if (xsrf) { headers["X-XSRFToken"] = decodeURIComponent(xsrf[1]); }
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = new URLSearchParams(form).toString();
    }
    var base = settings.baseUrl.replace(/\/$/, "");
    var resp = await fetch(base + path, init);
    if (!resp.ok) { throw new Error("HTTP " + resp.status); }
    return resp.json();
  }

  function lastSubmission(listing, exam) {
    var best = null;
    ((listing && listing.value) || []).forEach(function (a) {
      if (a.assignment_id !== exam || a.status !== "submitted") { return; }
      (a.submissions || [a]).forEach(function (s) {
        if (s.timestamp && (!best || s.timestamp > best)) { best = s.timestamp; }
      });
    });
    return best;
  }

  function confirmDialog(t) {
    return new Promise(function (resolve) {
      var backdrop = document.createElement("div");
      backdrop.className = "jp-Dialog jp-ThemedContainer academy-confirm";
      backdrop.setAttribute("role", "dialog");
      backdrop.setAttribute("aria-modal", "true");
      var box = document.createElement("div");
      box.className = "jp-Dialog-content";
      var head = document.createElement("div");
      head.className = "jp-Dialog-header";
      head.textContent = t.confirmTitle;
      var body = document.createElement("div");
      body.className = "jp-Dialog-body";
      body.textContent = t.confirmBody;
      var foot = document.createElement("div");
      foot.className = "jp-Dialog-footer";
      function button(label, cls, value) {
        var b = document.createElement("button");
        b.className = "jp-Dialog-button jp-mod-styled " + cls;
        b.textContent = label;
        b.addEventListener("click", function () { backdrop.remove(); resolve(value); });
        return b;
      }
      foot.appendChild(button(t.cancel, "jp-mod-reject", false));
      var ok = button(t.confirm, "jp-mod-accept", true);
      foot.appendChild(ok);
      box.appendChild(head);
      box.appendChild(body);
      box.appendChild(foot);
      backdrop.appendChild(box);
      document.body.appendChild(backdrop);
      ok.focus();
    });
  }

  // nbgrader's timestamps are UTC ("2026-12-03 08:33:31.123456 UTC"): shown in local time,
  // written as the Assignments list writes them (localStamp)
  function localTime(timestamp, lang) {
    return localStamp(String(timestamp).trim(), lang) || String(timestamp).slice(0, 16);
  }

  function showState(ui, t, timestamp, failed) {
    ui.button.disabled = false;
    if (failed) {
      ui.state.textContent = t.failed;
      ui.state.className = "academy-submit-state academy-failed";
      return;
    }
    if (timestamp) {
      ui.state.textContent = "✓ " + t.submitted + " " + localTime(timestamp, t.lang);
      ui.state.className = "academy-submit-state academy-submitted";
      ui.button.textContent = t.again;
      ui.hint.textContent = t.feedbackHint;
    } else {
      ui.state.textContent = t.notSubmitted;
      ui.state.className = "academy-submit-state academy-not-submitted";
      ui.button.textContent = t.submit;
      ui.hint.textContent = "";
    }
  }

  function addSubmit(app, panel, exam, lang) {
    var t = TEXT[lang] || TEXT.en;
    var parts = panel.context.path.split("/");
    if (parts.length < 3) { return; }  // released exams live in <course>/<exam>/<exam>.ipynb
    var course = parts[parts.length - 3];
    var holder = document.createElement("div");
    holder.className = "academy-toolbar-item";
    var button = document.createElement("button");
    button.className = "jp-mod-styled jp-mod-accept academy-submit";
    button.textContent = t.submit;
    var state = document.createElement("span");
    state.className = "academy-submit-state";
    var hint = document.createElement("span");
    hint.className = "academy-submit-hint";
    holder.appendChild(button);
    holder.appendChild(state);
    holder.appendChild(hint);
    panel.toolbar.node.insertBefore(holder, panel.toolbar.node.firstChild);
    var ui = { button: button, state: state, hint: hint };

    request(app, "GET", "/assignments?course_id=" + encodeURIComponent(course))
      .then(function (listing) { showState(ui, t, lastSubmission(listing, exam), false); })
      .catch(function () { showState(ui, t, null, false); });

    button.addEventListener("click", async function () {
      if (!(await confirmDialog(t))) { return; }
      button.disabled = true;
      state.textContent = t.submitting;
      try {
        await panel.context.save();
        var listing = await request(app, "POST", "/assignments/submit",
                                    { course_id: course, assignment_id: exam });
        var when = listing && listing.success ? lastSubmission(listing, exam) : null;
        showState(ui, t, when, !when);
      } catch (err) {
        console.error("academy: submit failed", err);
        showState(ui, t, null, true);
      }
    });
  }

  // ---- nbgrader's Assignments list in the trainee's language ----------------------------------

  // nbgrader's lab extension has no translations and shows exam ids and UTC timestamps: its
  // fixed strings (menu, tab, headings, buttons, messages) are replaced as they appear, an exam
  // id by the exam's title (GET /academy/exams, academy.trainee_lab.server) and a timestamp by
  // the local time written the trainee's way
  var NBGRADER = {
    en: {
      "Nbgrader": "Exams",
      "Assignment List": "My exams",
      "Assignments": "My exams",
      "Released, downloaded, and submitted assignments for course:": "Your exams",
      "Released assignments": "Exams to fetch",
      "Downloaded assignments": "Fetched exams",
      "Submitted assignments": "Submitted exams",
      "There are no assignments to fetch.": "There are no exams to fetch.",
      "There are no downloaded assignments.": "You have not fetched an exam yet.",
      "There are no submitted assignments.": "You have not submitted an exam yet.",
      "(view feedback)": "(view feedback)",
      "(feedback available to fetch)": "(feedback ready: Fetch Feedback)",
      "Refresh assignments list": "Refresh the list"
    },
    zh: {
      "Nbgrader": "考试",
      "Assignment List": "考试列表",
      "Assignments": "考试",
      "Released, downloaded, and submitted assignments for course:": "你的考试",
      "Released assignments": "可领取的考试",
      "Downloaded assignments": "已下载的考试",
      "Submitted assignments": "已提交的考试",
      "There are no assignments to fetch.": "没有可领取的考试。",
      "There are no downloaded assignments.": "没有已下载的考试。",
      "There are no submitted assignments.": "没有已提交的考试。",
      "Fetch": "领取",
      "Fetching...": "正在领取……",
      "Submit": "提交",
      "submitting...": "正在提交……",
      "Fetch Feedback": "获取反馈",
      "Fetching Feedback...": "正在获取反馈……",
      "(view feedback)": "（查看反馈）",
      "(feedback available to fetch)": "（反馈已发布，请点击“获取反馈”）",
      "Refresh assignments list": "刷新考试列表",
      "Toggle Dropdown": "展开列表",
      "Loading, please wait...": "正在加载，请稍候……",
      "No courses found.": "没有课程。",
      "Error fetching assignment.": "领取考试失败。",
      "Error fetching courses!": "读取课程失败！",
      "Error fetching feedback.": "获取反馈失败。",
      "Error submitting assignment.": "提交考试失败。",
      "Invalid Submission": "提交无效",
      "Assignment not submitted:": "考试未提交：",
      "Validate": "检查",
      "Validating...": "正在检查……"
    }
  };
  var examTitles = {};
  // nbgrader's "2026-12-03 08:33:31.123456 UTC"
  var UTC_STAMP = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?\s*(UTC|Z|\+00:00)?$/;

  function localStamp(text, lang) {
    var m = UTC_STAMP.exec(text);
    if (!m) { return null; }
    var d = new Date(m[1] + "T" + m[2] + ((m[3] || "").slice(0, 4)) + "Z");
    if (isNaN(d.getTime())) { return null; }
    var opts = { year: "numeric", month: lang === "zh" ? "long" : "short", day: "numeric",
                 hour: "2-digit", minute: "2-digit", hour12: false };
    return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", opts).format(d);
  }

  // ids and timestamps only inside nbgrader's list (a folder keeps its name in the file browser)
  function rewrite(text, lang, inList) {
    var key = text.trim();
    if (!key) { return null; }
    var table = NBGRADER[lang] || NBGRADER.en;
    var out = null;
    if (Object.prototype.hasOwnProperty.call(table, key)) { out = table[key]; }
    else if (!inList) { return null; }
    else if (Object.prototype.hasOwnProperty.call(examTitles, key)) { out = examTitles[key]; }
    else { out = localStamp(key, lang); }
    return out === null || out === key ? null : text.replace(key, out);
  }

  function translateNode(root, lang) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node = walker.nextNode();
    while (node) {
      var parent = node.parentElement;
      var changed = rewrite(node.nodeValue, lang, !!(parent && parent.closest("#assignments")));
      if (changed !== null) { node.nodeValue = changed; }
      node = walker.nextNode();
    }
    if (root.querySelectorAll) {
      localSavedTimes(root);
      root.querySelectorAll("[title]").forEach(function (el) {
        var title = rewrite(el.getAttribute("title"), lang, false);
        if (title !== null) { el.setAttribute("title", title); }
      });
    }
  }

  // an exam question's "saved HH:MM:SS" (graders.exam.widgets) is written on the server's clock
  // with the UTC instant in data-utc: shown in the trainee's own time zone, like the submitted time
  function localSavedTimes(root) {
    var els = root.matches && root.matches(".academy-saved-at[data-utc]") ? [root] : [];
    root.querySelectorAll(".academy-saved-at[data-utc]").forEach(function (el) { els.push(el); });
    els.forEach(function (el) {
      if (el.getAttribute("data-local") === el.getAttribute("data-utc")) { return; }
      var d = new Date(el.getAttribute("data-utc"));
      if (isNaN(d.getTime())) { return; }
      var hms = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit",
                                                    second: "2-digit", hour12: false }).format(d);
      el.setAttribute("data-local", el.getAttribute("data-utc"));
      el.textContent = el.textContent.replace(/\d{2}:\d{2}:\d{2}\s*$/, hms);
    });
  }

  function translateNbgrader(app, lang) {
    translateNode(document.body, lang);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "characterData" && r.target.parentNode) {
          translateNode(r.target.parentNode, lang);
        }
        r.addedNodes.forEach(function (n) {
          if (n.nodeType === 1) { translateNode(n, lang); }
          else if (n.nodeType === 3 && n.parentNode) { translateNode(n.parentNode, lang); }
        });
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    request(app, "GET", "/academy/exams").then(function (reply) {
      examTitles = (reply && reply.exams) || {};
      translateNode(document.body, lang);
    }).catch(function (err) { console.error("academy: exam titles", err); });
  }

  // ---- nothing reaches code -----------------------------------------------------------------------

  // The trainee's configuration (academy.trainee_lab: disabled plugins, menus, context menu and
  // shortcuts in overrides.json) already removes these; a command of this list that some other
  // route still offers (a new extension's menu or shortcut) is neither shown nor run.
  var BLOCKED = new RegExp("^(" + [
    "console:", "terminal:", "fileeditor:", "launcher:", "inspector:", "tooltip:", "completer:",
    "debugger:", "settingeditor:", "pluginmanager:", "extensionmanager:", "logconsole:",
    "kernelmenu:", "runmenu:", "editmenu:", "help:", "apputils:activate-command-palette",
    "docmanager:new-untitled", "docmanager:download", "docmanager:save-as",
    "docmanager:open-browser-tab", "filebrowser:(create-new|open-url|rename|delete|" +
      "cut|copy|paste|duplicate|download|open-browser-tab|copy-download-link|share|new-launcher)",
    "notebook:(change-cell-to|insert-cell|paste|split-cell|merge-cell|enter-edit-mode|" +
      "create-new|create-console|create-output-view|duplicate|move-cell|delete-cell|cut-cell|" +
      "copy-cell|undo|redo|show-cell-code|show-all-cell-code|hide-cell-code|toggle-|" +
      "change-kernel|restart|shutdown|interrupt|export|trust|set-cell|run-cell-and-insert|" +
      "run-in-console|replace-selection|access-|edit-|clear-)"
  ].join("|") + ")");

  function guardCommands(app) {
    var commands = app.commands;
    var execute = commands.execute.bind(commands);
    var isVisible = commands.isVisible.bind(commands);
    var isEnabled = commands.isEnabled.bind(commands);
    commands.execute = function (id, args) {
      if (BLOCKED.test(id)) {
        console.info("academy: not in trainee mode:", id);
        return Promise.resolve(undefined);
      }
      return execute(id, args);
    };
    commands.isVisible = function (id, args) { return !BLOCKED.test(id) && isVisible(id, args); };
    commands.isEnabled = function (id, args) { return !BLOCKED.test(id) && isEnabled(id, args); };
  }

  function pageLocale() {
    try {
      var el = document.getElementById("jupyter-config-data");
      return JSON.parse(el.textContent).academyLocale || "en";
    } catch (err) {
      return "en";
    }
  }

  // ---- the document of the address in front ---------------------------------------------------

  // A plan link opens /lab/tree/<module>; JupyterLab also restores the tabs of the last visit,
  // and the one that was in front then (an exam) can end up in front of the module the link
  // asked for, at once or when its background run ends.
  var ADDRESS = window.location.pathname.match(/\/lab(?:\/workspaces\/[^/]+)?\/tree\/(.+)$/);

  // the document the address asked for, as the page was loaded (JupyterLab's router rewrites
  // the address), or null
  function addressPath() {
    return ADDRESS ? decodeURIComponent(ADDRESS[1]) : null;
  }

  // Until the reader acts (a click or a key) or two minutes have passed, whenever another tab
  // comes to the front (a restored exam, a background run ending), the address's document is
  // brought back: the tab in front changes only by the reader's hand.
  function frontAddressDocument(app) {
    var path = addressPath();
    if (!path) { return; }
    var done = false;
    var stop = function () { done = true; };
    window.addEventListener("pointerdown", stop, { capture: true, once: true });
    window.addEventListener("keydown", stop, { capture: true, once: true });
    setTimeout(stop, 120000);
    function target() {
      for (var w of app.shell.widgets("main")) {
        if (w.context && w.context.path === path) { return w; }
      }
      return null;
    }
    function enforce() {
      if (done) { return; }
      var found = target();
      // current for the focus tracker is not enough: another tab can be the one shown
      if (found && (app.shell.currentWidget !== found || !found.isVisible)) {
        app.shell.activateById(found.id);
      }
    }
    app.restored.then(async function () {
      if (app.shell.currentChanged) {
        app.shell.currentChanged.connect(function () { setTimeout(enforce, 0); });
      }
      while (!done) {  // the document may open after the restored tabs: watch for it too
        enforce();
        await sleep(250);
      }
    }).catch(function (err) { console.error("academy: address document", err); });
  }

  // ---- the trainee's documents by title, instead of the file browser ------------------------

  var docs = { labels: {} };
  var docsListeners = [];

  function docItem(app, entry, current) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.className = "academy-doc";
    a.href = "#";
    a.textContent = entry.title;
    a.setAttribute("data-path", entry.path);
    if (entry.path === current) { a.classList.add("academy-doc-current"); }
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      void app.commands.execute("docmanager:open", { path: entry.path });
    });
    li.appendChild(a);
    return li;
  }

  function renderDocuments(app, holder, t) {
    var current = app.shell.currentWidget && app.shell.currentWidget.context ?
      app.shell.currentWidget.context.path : null;
    holder.textContent = "";
    var head = document.createElement("h2");
    head.textContent = t.myCourses;
    holder.appendChild(head);
    (docs.courses || []).forEach(function (course) {
      var h = document.createElement("h3");
      h.textContent = course.title;
      var ul = document.createElement("ul");
      course.modules.forEach(function (m) { ul.appendChild(docItem(app, m, current)); });
      holder.appendChild(h);
      holder.appendChild(ul);
    });
    var exams = document.createElement("h2");
    exams.textContent = t.myExams;
    holder.appendChild(exams);
    if ((docs.exams || []).length) {
      var ul = document.createElement("ul");
      docs.exams.forEach(function (e) { ul.appendChild(docItem(app, e, current)); });
      holder.appendChild(ul);
    } else {
      var p = document.createElement("p");
      p.className = "academy-doc-none";
      p.textContent = t.noExams;
      holder.appendChild(p);
    }
  }

  async function loadDocuments(app) {
    var reply = await request(app, "GET", "/academy/documents");
    if (JSON.stringify(reply) === JSON.stringify(docs)) { return; }
    docs = reply || { labels: {} };
    docsListeners.forEach(function (f) { f(); });
  }

  function fileBrowser(app) {
    for (var w of app.shell.widgets("left")) {
      if (w.id === "filebrowser") { return w; }
    }
    return null;
  }

  function showDocuments(app, t) {
    var holder = document.createElement("nav");
    holder.className = "academy-documents";
    holder.setAttribute("aria-label", t.documents);
    function place() {
      var fb = fileBrowser(app);
      if (!fb) { return false; }
      fb.node.classList.add("academy-documents-host");
      fb.node.insertBefore(holder, fb.node.firstChild);
      fb.title.caption = t.documents;
      return true;
    }
    var redraw = function () { renderDocuments(app, holder, t); };
    docsListeners.push(redraw);
    app.restored.then(function () {
      place();
      redraw();
      if (app.shell.currentChanged) { app.shell.currentChanged.connect(redraw); }
    });
    var refresh = function () {
      loadDocuments(app).catch(function (err) { console.error("academy: documents", err); });
    };
    refresh();
    // an exam fetched in the Assignments list appears: refresh when that list changes, and now
    // and then
    var pending = null;
    new MutationObserver(function () {
      if (!document.getElementById("fetched_assignments_list")) { return; }
      clearTimeout(pending);
      pending = setTimeout(refresh, 1000);
    }).observe(document.body, { childList: true, subtree: true });
    setInterval(function () { if (!document.hidden) { refresh(); } }, 30000);
  }

  // a document's tab named by its title: DocumentWidget renames the file when its title label
  // changes (a rename trainee mode refuses), so that link is cut first; without it the file
  // name stays. The document manager writes file name, path and save times into the tab's
  // caption (shown on hover) after each save: the title is put back.
  function nameTab(panel) {
    var label = docs.labels && docs.labels[panel.context.path];
    if (!label || panel.isDisposed) { return; }
    if (!panel.academyNamed) {
      if (typeof panel._onTitleChanged !== "function" ||
          !panel.title.changed.disconnect(panel._onTitleChanged, panel)) { return; }
      panel.academyNamed = true;
      panel.title.changed.connect(function () {
        var want = docs.labels && docs.labels[panel.context.path];
        if (!want) { return; }
        if (panel.title.label !== want) { panel.title.label = want; }
        if (panel.title.caption !== want) { panel.title.caption = want; }
      });
    }
    panel.title.label = label;
    panel.title.caption = label;
  }

  // a module's tab restored from a visit in the other language (a tab of the last visit) gives
  // way to the module in the page's language; never the document the address asked for
  function replaceTwin(app, panel) {
    var twin = docs.twins && docs.twins[panel.context.path];
    if (!twin || panel.isDisposed || panel.context.path === addressPath()) { return; }
    var open = false;
    for (var w of app.shell.widgets("main")) {
      if (w.context && w.context.path === twin) { open = true; }
    }
    if (!open) {
      void app.commands.execute("docmanager:open",
                                { path: twin, options: { ref: panel.id, mode: "tab-after",
                                                         activate: false } });
    }
    // a module copy holds nothing of the trainee's (progress is in the database): closed
    // without asking to save its outputs
    panel.dispose();
  }

  // ---- exams: written answers -------------------------------------------------------------------

  function isWritten(cell) {
    if (!cell || !cell.model || cell.model.type !== "markdown") { return false; }
    var nb = cell.model.getMetadata ? cell.model.getMetadata("nbgrader") : null;
    return !!(nb && nb.solution);
  }

  function writtenAnswers(panel, t) {
    var notebook = panel.content;
    function setUp(cell) {
      if (!isWritten(cell) || cell.academyWritten) { return; }
      cell.academyWritten = true;
      cell.node.classList.add("academy-written");
      var state = document.createElement("div");
      state.className = "academy-written-state";
      cell.node.appendChild(state);
      function source() { return cell.model.sharedModel.getSource(); }
      function open() {
        if (!cell.rendered) { return; }
        if (source().trim().charAt(0) === "✎") { cell.model.sharedModel.setSource(""); }
        cell.rendered = false;
        notebook.activeCellIndex = notebook.widgets.indexOf(cell);
        notebook.mode = "edit";
        if (cell.editor) { cell.editor.focus(); }
      }
      cell.node.addEventListener("click", open);
      cell.node.addEventListener("focusout", function (ev) {
        if (ev.relatedTarget && cell.node.contains(ev.relatedTarget)) { return; }
        if (cell.rendered) { return; }
        if (!source().trim()) { cell.model.sharedModel.setSource(t.answerStub); }
        cell.rendered = true;
        state.textContent = "";
        panel.context.save().then(function () {
          state.textContent = "✓ " + t.answerSaved;
          state.className = "academy-written-state academy-saved";
        }, function (err) {
          console.error("academy: save", err);
          state.textContent = t.answerNotSaved;
          state.className = "academy-written-state academy-failed";
        });
      });
    }
    notebook.widgets.forEach(setUp);
    notebook.model.cells.changed.connect(function () {
      setTimeout(function () { notebook.widgets.forEach(setUp); }, 0);
    });
  }

  // ---- the plugin ------------------------------------------------------------------------------

  var plugin = {
    id: "@service-academy/trainee-mode:plugin",
    description: "Run notebooks on open; Submit button with confirmation for exams.",
    autoStart: true,
    activate: function (app) {
      var lang = pageLocale();
      var t = TEXT[lang] || TEXT.en;
      document.body.classList.add("academy-trainee-mode");
      document.body.setAttribute("data-academy-lang", lang);
      guardCommands(app);
      translateNbgrader(app, lang);
      frontAddressDocument(app);
      showDocuments(app, t);
      var panels = [];
      docsListeners.push(function () {
        panels.slice().forEach(function (panel) { nameTab(panel); replaceTwin(app, panel); });
      });
      app.docRegistry.addWidgetExtension("Notebook", {
        createNew: function (panel, context) {
          panel.node.classList.add("academy-document");
          panels.push(panel);
          panel.disposed.connect(function () { panels.splice(panels.indexOf(panel), 1); });
          context.ready.then(function () {
            nameTab(panel);
            replaceTwin(app, panel);
            if (panel.isDisposed) { return Promise.reject(new Error("replaced")); }
            var meta = academyMeta(panel);
            if (meta.exam) {
              panel.node.classList.add("academy-exam");
              addSubmit(app, panel, meta.exam, lang);
              writtenAnswers(panel, t);
            }
            return panel.sessionContext.ready;
          }).then(function () {
            watchRestarts(app, panel);
            return runAll(app, panel);
          }).catch(function (err) {
            if (!panel.isDisposed) { console.error("academy: trainee mode", err); }
          });
          return { dispose: function () {}, isDisposed: false };
        }
      });
    }
  };

  var container = {
    init: function () { return Promise.resolve(); },
    get: function (module) {
      if (module !== "./extension") {
        return Promise.reject(new Error("no module " + module));
      }
      return Promise.resolve(function () { return { __esModule: true, default: plugin }; });
    }
  };
  var registry = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  registry["@service-academy/trainee-mode"] = container;
})();
