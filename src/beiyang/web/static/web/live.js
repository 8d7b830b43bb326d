// Live messages: one EventSource per open page. The browser reconnects by itself and sends
// Last-Event-ID, so the server replays anything missed while the connection was down.
(function () {
  const body = document.body;
  const url = body.dataset.stream;
  if (!url || !window.EventSource) return;
  const toast = document.getElementById("toast");
  let hideTimer = null;

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text || "";
    return div.innerHTML;
  }

  function show(message) {
    const english = document.documentElement.lang === "en";
    const title = english && message.title_en ? message.title_en : message.title;
    toast.innerHTML = "<b>" + escapeHtml(body.dataset.toast) + "</b><br>" + escapeHtml(title);
    toast.hidden = false;
    toast.onclick = () => { if (message.link) window.location = message.link; };
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => { toast.hidden = true; }, 6000);
  }

  function addToInbox(message) {
    const list = document.getElementById("inbox-list");
    if (!list || document.getElementById("message-" + message.id)) return;
    const empty = document.getElementById("inbox-empty");
    if (empty) empty.remove();
    const item = document.createElement("li");
    item.id = "message-" + message.id;
    item.className = "message unread";
    item.innerHTML = "<a class='block' href='/me/messages/" + Number(message.id) + "/'><div class='title'><span class='dot'></span>" +
      escapeHtml(message.title) + "</div><div class='muted'>" + escapeHtml(message.body) + "</div></a>";
    list.prepend(item);
  }

  const source = new EventSource(url);
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const badge = document.getElementById("unread-badge");
    if (badge) { badge.textContent = message.unread; badge.dataset.count = message.unread; }
    show(message);
    addToInbox(message);
    document.dispatchEvent(new CustomEvent("beiyang:message", {detail: message}));
  });
})();
