// Every text the page shows, in one place per language. The Portuguese edition switches with
// ?lang=pt-BR or "language" in config.json (written by notebook 07 from WORKSHOP_LANG).
export const LABELS = {
  en: {
    title: "Serverless chat",
    name: "Name",
    join: "Join",
    leave: "Leave",
    message: "Message",
    send: "Send",
    to: "To",
    everyone: "Everyone",
    bot: "Bot",
    members: "Members",
    conversation: "Conversation",
    you: "You",
    privateFrom: "(private)",
    privateTo: "(private to {name})",
    connecting: "Connecting…",
    connected: "Connected. Choose a name and press Join.",
    joined: "You are {name}.",
    reconnecting: "Connection lost. Trying again in {seconds} s…",
    left: "You left the chat. Press Join to come back.",
    refused: "The chat did not let you in as {name}; asking it why…",
    notConnected: "Not connected right now: your message stays in the box. Send it again once you are back.",
    noName: "Choose a name and press Join first.",
    noUrl: "This page does not know the chat's address. Open it with ?ws=wss://… at the end, or deploy it with notebook 07.",
    configFailed: "Could not read config.json ({reason}). Open the page with ?ws=wss://… at the end.",
  },
  "pt-BR": {
    title: "Bate-papo serverless",
    name: "Nome",
    join: "Entrar",
    leave: "Sair",
    message: "Mensagem",
    send: "Enviar",
    to: "Para",
    everyone: "Todos",
    bot: "Bot",
    members: "Membros",
    conversation: "Conversa",
    you: "Você",
    privateFrom: "(privada)",
    privateTo: "(privada para {name})",
    connecting: "Conectando…",
    connected: "Conectado. Escolha um nome e clique em Entrar.",
    joined: "Você é {name}.",
    reconnecting: "Conexão perdida. Tentando de novo em {seconds} s…",
    left: "Você saiu do bate-papo. Clique em Entrar para voltar.",
    refused: "O bate-papo não aceitou o nome {name}; perguntando por quê…",
    notConnected: "Sem conexão agora: sua mensagem continua na caixa. Envie de novo quando voltar.",
    noName: "Escolha um nome e clique em Entrar primeiro.",
    noUrl: "Esta página não sabe o endereço do bate-papo. Abra-a com ?ws=wss://… no fim, ou publique-a com o notebook 07.",
    configFailed: "Não foi possível ler config.json ({reason}). Abra a página com ?ws=wss://… no fim.",
  },
};

export function labelsFor(language) {
  const texts = LABELS[language] || LABELS[String(language || "").split("-")[0]] || LABELS.en;
  return (key, values = {}) =>
    (texts[key] ?? LABELS.en[key]).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}
