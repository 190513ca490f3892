// The parts of the page that name the conversation: address, title, export link and sidebar.

// The conversation this page shows: none on a new chat until its first answer starts.
export class Conversation {
  constructor(chat) {
    this.chat = chat;
    this.id = chat.dataset.conversation || null;
  }

  // Every start names its reply's conversation, and with it the title for a new one.
  show(id, title) {
    const url = `/c/${id}/`;
    const heading = document.getElementById("title");
    if (this.id !== id) {
      // The first answer of a new chat: from now on this page is that conversation's page.
      history.replaceState(null, "", url);
      heading.textContent = title;
      document.title = `${heading.textContent} · streamdemo`;
      const exportLink = document.getElementById("export");
      exportLink.href = `${url}export.md`;
      exportLink.hidden = false;
    }
    this.id = this.chat.dataset.conversation = id;
    const list = document.getElementById("conversations");
    let link = list.querySelector(`a[href="${url}"]`);
    if (!link) {
      link = document.createElement("a");
      link.href = url;
      link.textContent = heading.textContent;
      const item = document.createElement("li");
      item.append(link);
      list.prepend(item);
    }
    for (const other of list.querySelectorAll("a[aria-current]")) {
      other.removeAttribute("aria-current");
    }
    link.setAttribute("aria-current", "page");
    list.prepend(link.parentElement); // the most recently active comes first
  }
}


// On narrow screens the sidebar slides over the chat: the menu button, Escape or a tap
// beside it closes it again.
export function installSidebar(menu) {
  const sidebar = document.getElementById("sidebar");
  const setOpen = (open) => {
    sidebar.classList.toggle("open", open);
    menu.setAttribute("aria-expanded", String(open));
  };
  menu.addEventListener("click", () => setOpen(!sidebar.classList.contains("open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && sidebar.classList.contains("open")) {
      event.preventDefault(); // taken: the Escape that stops an answer waits for the next press
      setOpen(false);
      menu.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!sidebar.contains(event.target) && !menu.contains(event.target)) setOpen(false);
  });
}
