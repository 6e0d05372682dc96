// The chat page: joins the chat over one WebSocket and speaks the course's protocol
// (docs/chat-protocol.md). No framework and no build step: the browser loads this module as it is.
import { labelsFor } from "./labels.js";

const params = new URLSearchParams(location.search);
const RETRY_SECONDS = [1, 2, 4, 8, 15]; // waits between reconnects; the last one repeats
const $ = (id) => document.getElementById(id);

const state = {
  url: null, // the chat's WebSocket URL (config.json or ?ws=)
  socket: null,
  name: null, // our name in the chat, once it accepted it
  asked: null, // the name we asked for and are waiting to hear about
  members: [],
  leaving: false, // true after Leave: a closed socket is then expected, not a drop
  retries: 0,
  retryTimer: null,
};
let t = labelsFor("en");

// -- what the learner sees ------------------------------------------------------------------------

function applyLabels(language) {
  t = labelsFor(language);
  document.documentElement.lang = language;
  document.title = t("title");
  for (const element of document.querySelectorAll("[data-label]")) {
    element.textContent = t(element.dataset.label);
  }
}

function setStatus(text) {
  $("status").textContent = text;
}

function time(ts) {
  return new Date(ts || Date.now()).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// One line of the conversation. Text always goes in with textContent: never interpreted as HTML.
function addEntry(kind, text, { from = null, ts = null } = {}) {
  const log = $("log");
  const entry = document.createElement("p");
  entry.className = `entry ${kind}`;
  const stamp = document.createElement("span");
  stamp.className = "time";
  stamp.textContent = time(ts);
  entry.append(stamp, " ");
  if (from) {
    const sender = document.createElement("strong");
    sender.textContent = from;
    entry.append(sender, " ");
  }
  entry.append(text);
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(entry);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

function showMembers(names) {
  state.members = names;
  const list = $("members");
  list.replaceChildren(
    ...names.map((name) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = name;
      if (name === state.name) {
        item.className = "me";
        button.setAttribute("aria-current", "true");
      }
      // Choosing a member addresses the next message to them alone.
      button.addEventListener("click", () => {
        if (name !== state.name) $("to").value = `member:${name}`;
        $("message").focus();
      });
      item.append(button);
      return item;
    }),
  );
  const to = $("to");
  const chosen = to.value;
  for (const option of [...to.options]) if (option.value.startsWith("member:")) option.remove();
  for (const name of names.filter((name) => name !== state.name)) {
    to.append(new Option(name, `member:${name}`));
  }
  to.value = [...to.options].some((option) => option.value === chosen) ? chosen : "";
}

function showJoined(joined) {
  $("leave").disabled = !joined;
  if (joined) setStatus(t("joined", { name: state.name }));
}

// -- the connection -------------------------------------------------------------------------------

function connect(name = null) {
  clearTimeout(state.retryTimer);
  state.leaving = false;
  state.asked = name;
  setStatus(t("connecting"));
  // With ?name= the chat takes the name while it accepts the connection (and refuses it if taken).
  const url = name ? `${state.url}${state.url.includes("?") ? "&" : "?"}name=${encodeURIComponent(name)}` : state.url;
  const socket = new WebSocket(url);
  let opened = false;
  const previous = state.socket;
  state.socket = socket;
  if (previous) previous.close(1000, "replaced"); // its close handler sees it was replaced and does nothing

  socket.addEventListener("open", () => {
    opened = true;
    state.retries = 0;
    if (name) {
      state.name = name;
      state.asked = null;
      showJoined(true);
    } else {
      setStatus(t("connected"));
    }
  });
  socket.addEventListener("message", (event) => receive(event.data));
  socket.addEventListener("close", () => {
    if (socket !== state.socket) return; // an older socket we replaced
    state.socket = null;
    if (state.leaving) return;
    if (!opened && name) {
      // The chat refused the name during the handshake; a browser cannot read why. Connect without a name
      // and ask with setName: the answer says why (taken, too long, ...).
      addEntry("system", t("refused", { name }));
      state.name = null;
      openThenAsk(name);
      return;
    }
    const seconds = RETRY_SECONDS[Math.min(state.retries, RETRY_SECONDS.length - 1)];
    state.retries += 1;
    setStatus(t("reconnecting", { seconds }));
    state.retryTimer = setTimeout(() => connect(state.name), seconds * 1000);
  });
}

function openThenAsk(name) {
  connect(null);
  state.socket.addEventListener("open", () => send({ action: "setName", name }), { once: true });
  state.asked = name;
}

function send(payload) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify(payload));
  return true;
}

// One frame from the chat: exactly one of these keys (the course's front ends read them in this order).
function receive(data) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    addEntry("system", String(data));
    return;
  }
  if ("members" in frame) {
    if (state.asked && frame.members.includes(state.asked)) {
      state.name = state.asked; // setName worked: the list now holds the name we asked for
      state.asked = null;
      showJoined(true);
    }
    showMembers(frame.members);
  } else if ("publicMessage" in frame) {
    addEntry("public", frame.text ?? frame.publicMessage, { from: frame.from ? `${frame.from}:` : null, ts: frame.ts });
  } else if ("privateMessage" in frame) {
    const from = frame.from ? `${frame.from} ${t("privateFrom")}:` : null;
    addEntry("private", frame.text ?? frame.privateMessage, { from, ts: frame.ts });
  } else if ("systemMessage" in frame) {
    const error = "error" in frame;
    if (error && state.asked && /name/.test(frame.error.code || "")) state.asked = null;
    addEntry(error ? "error" : "system", frame.systemMessage, { ts: frame.ts });
  } else if (frame.message) {
    addEntry("error", frame.message); // API Gateway's own answers, e.g. "Internal server error"
  }
}

// -- the controls ---------------------------------------------------------------------------------

function join(event) {
  event.preventDefault();
  const name = $("name").value.trim();
  if (!name) return;
  if (send({ action: "setName", name })) {
    state.asked = name; // the answer (members, or an error) tells whether it worked
  } else {
    connect(name);
  }
}

function leave() {
  state.leaving = true;
  clearTimeout(state.retryTimer);
  if (state.socket) state.socket.close(1000, "Leave");
  state.socket = null;
  state.name = null;
  showMembers([]);
  showJoined(false);
  setStatus(t("left"));
}

function sendMessage(event) {
  event.preventDefault();
  const input = $("message");
  const message = input.value.trim();
  if (!message) return;
  if (!state.name) {
    addEntry("error", t("noName"));
    return;
  }
  const to = $("to").value;
  let payload = { action: "sendPublic", message };
  if (to === "bot") payload = { action: "sendBot", message };
  if (to.startsWith("member:")) payload = { action: "sendPrivate", to: to.slice("member:".length), message };
  if (!send(payload)) {
    addEntry("error", t("notConnected")); // the text stays in the box: nothing is lost
    return;
  }
  input.value = "";
  // The chat does not echo a private message to its sender, so the page shows it here.
  if (payload.action === "sendPrivate") {
    addEntry("private mine", message, { from: `${t("you")} ${t("privateTo", { name: payload.to })}:` });
  }
}

async function chatUrl() {
  if (params.get("ws")) return { websocketUrl: params.get("ws") };
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } catch (error) {
    return { error: error.message };
  }
}

async function start() {
  const config = await chatUrl();
  applyLabels(params.get("lang") || config.language || "en");
  $("join-form").addEventListener("submit", join);
  $("leave").addEventListener("click", leave);
  $("send-form").addEventListener("submit", sendMessage);
  if (!config.websocketUrl) {
    setStatus(config.error ? t("configFailed", { reason: config.error }) : t("noUrl"));
    return;
  }
  state.url = config.websocketUrl;
  const name = (params.get("name") || "").trim();
  $("name").value = name;
  connect(name || null);
  (name ? $("message") : $("name")).focus();
}

start();
