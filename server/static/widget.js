/*
 * 问答 (wenda) chat widget.
 *
 * Embed on any page:
 *   <script src="http://HOST/widget.js" data-endpoint="http://HOST" defer></script>
 * Optional attributes: data-api-key, data-title, data-open="true", data-position="left".
 * Any element with data-wenda-ask="问题" asks that question when clicked; window.Wenda has open(),
 * close() and ask(question).
 *
 * Everything the server sends is inserted as text (textContent / text nodes), never as HTML.
 * A follow-up the server rewrote (answer.understood_as) is shown under the user's message as 理解为：….
 * The conversation (session id and messages) lives in sessionStorage: it survives a reload of the page;
 * 清空 deletes the server's session and the stored messages.
 */
(function () {
  "use strict";

  if (window.Wenda && window.Wenda.version) return; // loaded twice

  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[src]");
    for (var i = all.length - 1; i >= 0; i--) {
      if (/widget\.js(\?|#|$)/.test(all[i].src)) return all[i];
    }
    return null;
  })();
  var scriptUrl = new URL(script && script.src ? script.src : "widget.js", document.baseURI);
  var data = (script && script.dataset) || {};
  var endpoint = (data.endpoint || scriptUrl.origin).replace(/\/+$/, "");
  var cssUrl = data.css || new URL("widget.css", scriptUrl).href;
  var apiKey = data.apiKey || "";
  var storageKey = "wenda:" + endpoint;
  var REQUEST_TIMEOUT_MS = 30000;
  var MAX_ITEMS = 60;

  var T = {
    title: data.title || "问答",
    subtitle: "根据文章作答，并给出出处",
    launcher: "提问",
    openLabel: "打开问答助手",
    close: "关闭",
    clear: "清空",
    clearLabel: "清空对话记录",
    log: "对话记录",
    welcome: "你好！请输入问题，我会在文章中查找答案，并标出出处。",
    placeholder: "输入问题，按 Enter 发送",
    inputHint: "按 Enter 发送，Shift+Enter 换行",
    inputLabel: "输入问题",
    send: "发送",
    typing: "正在查找答案…",
    answer: "答案",
    sources: "出处",
    citeLabel: "查看出处",
    noAnswer: "资料中没有找到答案",
    related: "可能相关的段落：",
    understood: "理解为：",
    back: "返回对话",
    viewer: "原文",
    loading: "正在加载原文…",
    openOriginal: "打开原始链接",
    errNetwork: "无法连接问答服务，请检查网络后重试。",
    errTimeout: "等待回答超时，请重试。",
    errAuth: "问答服务需要有效的 API 密钥。",
    errTooLarge: "问题太长了，请精简后再试。",
    errInvalid: "无法提问：",
    errRate: "提问太频繁，请稍后再试。",
    errRateIn: function (s) { return "提问太频繁，请 " + s + " 秒后再试。"; },
    errLoading: "问答服务正在准备索引，请稍后再试。",
    errServer: "问答服务出错：",
    errDoc: "无法加载原文：",
  };

  // ---------- DOM helpers (text only) ----------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = String(value);
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    [].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function svg(pathD) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", pathD);
    s.appendChild(p);
    return s;
  }

  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var ICON_SEND = "M3 11l18-8-8 18-2-8-8-2z";
  var ICON_BACK = "M15 5l-7 7 7 7";

  /** Text of `text` with [start, end) wrapped in <mark class=cls>, as DOM nodes. */
  function highlighted(text, start, end, cls) {
    var s = Math.max(0, Math.min(text.length, start));
    var e = Math.max(s, Math.min(text.length, end));
    return [text.slice(0, s), el("mark", { class: cls, text: text.slice(s, e) }), text.slice(e)];
  }

  /** Where the answer span lies in its sentence: citation offsets first, then a text search. */
  function spanInQuote(answerText, citation) {
    if (citation && typeof citation.quote === "string" && citation.quote) {
      var quote = citation.quote;
      var off = citation.start - citation.quote_start;
      var len = citation.end - citation.start;
      if (off >= 0 && off + len <= quote.length && quote.substr(off, len) === answerText) {
        return { quote: quote, start: off, end: off + len };
      }
      var idx = quote.indexOf(answerText);
      if (idx >= 0) return { quote: quote, start: idx, end: idx + answerText.length };
    }
    return { quote: answerText, start: 0, end: answerText.length };
  }

  // ---------- state ----------

  var state = loadState();
  var pending = false;
  var docCache = new Map();
  var viewerReturnFocus = null;

  function loadState() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
      if (saved && Array.isArray(saved.items)) return { sid: saved.sid || null, items: saved.items, open: !!saved.open };
    } catch (e) { /* storage unavailable or corrupt */ }
    return { sid: null, items: [], open: false };
  }

  function saveState() {
    try {
      state.items = state.items.slice(-MAX_ITEMS);
      sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (e) { /* private mode or full: history lasts until reload */ }
  }

  function slimAnswer(a) {
    var pick = function (p) {
      return { doc_id: p.doc_id, title: p.title, source: p.source, start: p.start, end: p.end };
    };
    return {
      text: typeof a.text === "string" ? a.text : null,
      message: a.message || null,
      understood_as: typeof a.understood_as === "string" ? a.understood_as : null,
      citations: (a.citations || []).map(function (c) {
        var out = pick(c);
        out.quote = c.quote;
        out.quote_start = c.quote_start;
        return out;
      }),
      passages: (a.passages || []).slice(0, 2).map(pick),
    };
  }

  // ---------- UI ----------

  var host = el("div", { id: "wenda-widget", "data-wenda": "" });
  host.style.display = "none"; // until the style sheet has loaded
  var root = host.attachShadow({ mode: "open" });
  var sheet = el("link", { rel: "stylesheet", href: cssUrl });
  var showHost = function () { host.style.display = ""; };
  sheet.addEventListener("load", showHost);
  sheet.addEventListener("error", showHost);
  root.appendChild(sheet);

  var launcher = el("button", {
    type: "button", class: "wd-launcher", "aria-label": T.openLabel, "aria-expanded": "false",
    "aria-controls": "wd-panel",
  }, [svg(ICON_CHAT), el("span", { text: T.launcher })]);

  var titleEl = el("h2", { class: "wd-title", id: "wd-title", text: T.title });
  var clearBtn = el("button", { type: "button", class: "wd-textbtn", "aria-label": T.clearLabel, text: T.clear });
  var closeBtn = el("button", { type: "button", class: "wd-iconbtn", "aria-label": T.close, title: T.close }, [svg(ICON_CLOSE)]);
  var header = el("header", { class: "wd-header" }, [
    el("div", { class: "wd-heading" }, [titleEl, el("p", { class: "wd-subtitle", text: T.subtitle })]),
    el("div", { class: "wd-actions" }, [clearBtn, closeBtn]),
  ]);

  var log = el("div", { class: "wd-log", role: "log", "aria-live": "polite", "aria-label": T.log, tabindex: "0" });

  var backBtn = el("button", { type: "button", class: "wd-back" }, [svg(ICON_BACK), el("span", { text: T.back })]);
  var viewerTitle = el("h3", { class: "wd-viewer-title", id: "wd-viewer-title" });
  var viewerMeta = el("p", { class: "wd-viewer-meta" });
  var viewerText = el("div", { class: "wd-doc", tabindex: "0", "aria-label": T.viewer });
  var viewer = el("section", { class: "wd-viewer", role: "region", "aria-labelledby": "wd-viewer-title", hidden: true }, [
    el("div", { class: "wd-viewer-head" }, [backBtn, viewerTitle, viewerMeta]),
    viewerText,
  ]);

  var input = el("textarea", {
    class: "wd-input", rows: "1", placeholder: T.placeholder, "aria-label": T.inputLabel, enterkeyhint: "send",
    "aria-describedby": "wd-input-hint", title: T.inputHint,
  });
  var inputHint = el("span", { class: "wd-sr", id: "wd-input-hint", text: T.inputHint });
  var sendBtn = el("button", { type: "submit", class: "wd-send", "aria-label": T.send }, [svg(ICON_SEND), el("span", { text: T.send })]);
  var form = el("form", { class: "wd-composer" }, [input, inputHint, sendBtn]);

  var panel = el("div", {
    class: "wd-panel", id: "wd-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "wd-title", hidden: true,
  }, [header, el("div", { class: "wd-body" }, [log, viewer]), form]);

  var wrapper = el("div", { class: "wd-root" + (data.position === "left" ? " wd-left" : "") }, [panel, launcher]);
  root.appendChild(wrapper);

  // ---------- rendering ----------

  function renderWelcome() {
    return el("div", { class: "wd-msg wd-bot" }, [el("div", { class: "wd-bubble wd-welcome", text: T.welcome })]);
  }

  function citeButton(n, c) {
    var label = T.citeLabel + " " + n + "：" + (c.title || c.source || c.doc_id) + (c.source ? "（" + c.source + "）" : "");
    return el("button", {
      type: "button", class: "wd-cite", "aria-label": label,
      "data-doc-id": c.doc_id, "data-start": c.start, "data-end": c.end,
      onclick: function (ev) { openViewer(c.doc_id, c.start, c.end, ev.currentTarget); },
    }, [
      el("span", { class: "wd-cite-num", text: "[" + n + "]" }),
      el("span", { class: "wd-cite-body" }, [
        el("span", { class: "wd-cite-title", text: c.title || c.doc_id }),
        c.source ? el("span", { class: "wd-cite-src", text: c.source }) : null,
      ]),
    ]);
  }

  function renderAnswer(a) {
    var bubble;
    if (a.text === null || a.text === undefined) {
      // The server's message usually starts with the same words as the heading: show only the rest.
      var note = String(a.message || "");
      if (note.indexOf(T.noAnswer) === 0) note = note.slice(T.noAnswer.length).replace(/^[：:，,。.\s]+/, "");
      bubble = el("div", { class: "wd-bubble wd-abstain" }, [
        el("p", { class: "wd-abstain-title", text: T.noAnswer }),
        note ? el("p", { class: "wd-note", text: note }) : null,
      ]);
      if (a.passages && a.passages.length) {
        bubble.appendChild(el("p", { class: "wd-note", text: T.related }));
        bubble.appendChild(el("ol", { class: "wd-cites" }, a.passages.map(function (p, i) {
          return el("li", null, [citeButton(i + 1, p)]);
        })));
      }
      return el("div", { class: "wd-msg wd-bot" }, [bubble]);
    }
    var first = (a.citations || [])[0];
    var span = spanInQuote(a.text, first);
    bubble = el("div", { class: "wd-bubble wd-answer" }, [
      el("p", { class: "wd-short" }, [el("span", { class: "wd-label", text: T.answer }), el("strong", { text: a.text })]),
      el("blockquote", { class: "wd-quote" }, highlighted(span.quote, span.start, span.end, "wd-hl")),
    ]);
    if (a.citations && a.citations.length) {
      bubble.appendChild(el("p", { class: "wd-label wd-sources", text: T.sources }));
      bubble.appendChild(el("ol", { class: "wd-cites" }, a.citations.map(function (c, i) {
        return el("li", null, [citeButton(i + 1, c)]);
      })));
    }
    return el("div", { class: "wd-msg wd-bot" }, [bubble]);
  }

  function renderItem(item) {
    if (item.kind === "user") {
      return el("div", { class: "wd-msg wd-user" }, [
        el("div", { class: "wd-turn" }, [
          el("div", { class: "wd-bubble", text: item.text }),
          item.understood ? el("p", { class: "wd-understood", text: T.understood + item.understood }) : null,
        ]),
      ]);
    }
    if (item.kind === "answer") return renderAnswer(item.answer);
    return el("div", { class: "wd-msg wd-bot" }, [el("div", { class: "wd-bubble wd-error", role: "alert", text: item.text })]);
  }

  function renderLog() {
    clear(log);
    log.appendChild(renderWelcome());
    state.items.forEach(function (item) { log.appendChild(renderItem(item)); });
    scrollLog();
  }

  function addItem(item) {
    state.items.push(item);
    var node = renderItem(item);
    log.appendChild(node);
    saveState();
    scrollLog();
    return node;
  }

  function scrollLog() {
    log.scrollTop = log.scrollHeight;
  }

  function showTyping() {
    var node = el("div", { class: "wd-msg wd-bot wd-typing", role: "status" }, [
      el("div", { class: "wd-bubble" }, [
        el("span", { class: "wd-dot", "aria-hidden": "true" }),
        el("span", { class: "wd-dot", "aria-hidden": "true" }),
        el("span", { class: "wd-dot", "aria-hidden": "true" }),
        el("span", { class: "wd-sr", text: T.typing }),
      ]),
    ]);
    log.appendChild(node);
    scrollLog();
    return node;
  }

  // ---------- network ----------

  function headers(json) {
    var h = { Accept: "application/json" };
    if (json) h["Content-Type"] = "application/json";
    if (apiKey) h["X-API-Key"] = apiKey;
    return h;
  }

  function request(path, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    options = options || {};
    options.signal = controller.signal;
    return fetch(endpoint + path, options).then(function (res) {
      return res.text().then(function (body) {
        var payload = null;
        try { payload = body ? JSON.parse(body) : null; } catch (e) { payload = null; }
        if (!res.ok) {
          var err = new Error((payload && payload.detail) || res.statusText || "HTTP " + res.status);
          err.status = res.status;
          err.retryAfter = res.headers.get("Retry-After");
          throw err;
        }
        return payload;
      });
    }).finally(function () { clearTimeout(timer); });
  }

  function describeError(err) {
    if (err && err.name === "AbortError") return T.errTimeout;
    var status = err && err.status;
    var detail = err && err.message ? String(err.message) : "";
    if (!status) return T.errNetwork;
    if (status === 401 || status === 403) return T.errAuth;
    if (status === 413) return T.errTooLarge;
    if (status === 422) return T.errInvalid + detail;
    if (status === 429) return err.retryAfter ? T.errRateIn(err.retryAfter) : T.errRate;
    if (status === 503) return T.errLoading + (detail ? "（" + detail + "）" : "");
    return T.errServer + detail + "（HTTP " + status + "）";
  }

  function ask(question) {
    var text = String(question || "").trim();
    if (!text || pending) return Promise.resolve();
    pending = true;
    sendBtn.disabled = true;
    panel.setAttribute("aria-busy", "true");
    var userItem = { kind: "user", text: text };
    var userNode = addItem(userItem);
    var typing = showTyping();
    var body = { message: text };
    if (state.sid) body.session_id = state.sid;
    return request("/api/chat", { method: "POST", headers: headers(true), body: JSON.stringify(body) })
      .then(function (answer) {
        state.sid = answer.session_id || state.sid;
        if (answer && typeof answer.understood_as === "string" && answer.understood_as) {
          userItem.understood = answer.understood_as; // shown under the question, kept across reloads
          var fresh = renderItem(userItem);
          if (userNode.isConnected) userNode.replaceWith(fresh);
          userNode = fresh;
        }
        addItem({ kind: "answer", answer: slimAnswer(answer) });
      })
      .catch(function (err) { addItem({ kind: "error", text: describeError(err) }); })
      .finally(function () {
        typing.remove();
        pending = false;
        sendBtn.disabled = false;
        panel.removeAttribute("aria-busy");
        saveState();
        scrollLog();
      });
  }

  function fetchDocument(docId) {
    if (docCache.has(docId)) return docCache.get(docId);
    var promise = request("/api/documents/" + encodeURIComponent(docId), { headers: headers(false) });
    promise.catch(function () { docCache.delete(docId); });
    docCache.set(docId, promise);
    return promise;
  }

  // ---------- source viewer ----------

  function openViewer(docId, start, end, returnFocus) {
    viewerReturnFocus = returnFocus || null;
    clear(viewerText);
    viewerTitle.textContent = "";
    viewerMeta.textContent = "";
    viewerText.appendChild(el("p", { class: "wd-note", text: T.loading }));
    viewer.hidden = false;
    log.setAttribute("aria-hidden", "true");
    backBtn.focus();
    fetchDocument(docId).then(function (doc) {
      if (viewer.hidden) return;
      viewerTitle.textContent = doc.title || doc.doc_id;
      clear(viewerMeta);
      appendAll(viewerMeta, [doc.source || ""]);
      if (doc.url && /^https?:\/\//i.test(doc.url)) {
        appendAll(viewerMeta, [" · ", el("a", { href: doc.url, target: "_blank", rel: "noopener noreferrer", text: T.openOriginal })]);
      }
      clear(viewerText);
      appendAll(viewerText, highlighted(doc.text || "", start, end, "wd-src-hl"));
      var mark = viewerText.querySelector(".wd-src-hl");
      if (mark) {
        // Scroll the text box only (not the host page) so the span sits in the middle.
        var top = mark.offsetTop - viewerText.offsetTop;
        viewerText.scrollTop = Math.max(0, top - viewerText.clientHeight / 2 + mark.offsetHeight / 2);
      }
    }).catch(function (err) {
      clear(viewerText);
      viewerText.appendChild(el("p", { class: "wd-bubble wd-error", role: "alert", text: T.errDoc + describeError(err) }));
    });
  }

  function closeViewer() {
    if (viewer.hidden) return;
    viewer.hidden = true;
    log.removeAttribute("aria-hidden");
    var target = viewerReturnFocus && viewerReturnFocus.isConnected ? viewerReturnFocus : input;
    viewerReturnFocus = null;
    target.focus();
  }

  // ---------- open / close ----------

  function openPanel(focus) {
    if (!panel.hidden) { if (focus !== false) input.focus(); return; }
    panel.hidden = false;
    wrapper.classList.add("wd-open");
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    saveState();
    scrollLog();
    if (focus !== false) input.focus();
  }

  function closePanel() {
    if (panel.hidden) return;
    closeViewer();
    panel.hidden = true;
    wrapper.classList.remove("wd-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function clearHistory() {
    if (state.sid) {
      request("/api/chat/" + encodeURIComponent(state.sid), { method: "DELETE", headers: headers(false) }).catch(function () {});
    }
    state.sid = null;
    state.items = [];
    saveState();
    closeViewer();
    renderLog();
    input.focus();
  }

  // ---------- events ----------

  launcher.addEventListener("click", function () { if (panel.hidden) openPanel(true); else closePanel(); });
  closeBtn.addEventListener("click", closePanel);
  clearBtn.addEventListener("click", clearHistory);
  backBtn.addEventListener("click", closeViewer);

  wrapper.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape" || panel.hidden) return;
    ev.preventDefault();
    ev.stopPropagation();
    if (!viewer.hidden) closeViewer();
    else closePanel();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text || pending) return;
    input.value = "";
    autoGrow();
    ask(text).then(function () { if (!panel.hidden && viewer.hidden) input.focus(); });
  });

  input.addEventListener("keydown", function (ev) {
    // Enter sends; Shift+Enter is a newline; Enter while an IME is composing picks a candidate.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autoGrow);

  document.addEventListener("click", function (ev) {
    var target = ev.target && ev.target.closest ? ev.target.closest("[data-wenda-ask]") : null;
    if (!target) return;
    ev.preventDefault();
    openPanel(true);
    ask(target.getAttribute("data-wenda-ask"));
  });

  function mount() {
    document.body.appendChild(host);
    renderLog();
    if (state.open || data.open === "true") openPanel(false);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.Wenda = {
    version: "1",
    endpoint: endpoint,
    open: openPanel,
    close: closePanel,
    ask: function (question) { openPanel(true); return ask(question); },
  };
})();
