// Suggestions as you type in the header search box: the ARIA 1.2 combobox pattern with a
// listbox popup. Arrow keys move through the titles, Enter opens the highlighted article,
// Escape closes the list; the count is announced in a polite live region. Without JavaScript
// the box is a plain search form.
(function () {
  const input = document.querySelector("[data-suggest-url]");
  if (!input) return;
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const status = document.getElementById(input.dataset.suggestStatus);
  const MIN_CHARS = 2;
  const DELAY_MS = 150;
  let timer = null;
  let pending = null;
  let active = -1;

  function options() {
    return Array.from(list.querySelectorAll("[role=option]"));
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", all[active].id);
  }

  function show(suggestions) {
    list.replaceChildren();
    suggestions.forEach((suggestion, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = suggestion.url;
      option.textContent = suggestion.title;
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => window.location.assign(suggestion.url));
      list.append(option);
    });
    const count = suggestions.length;
    list.hidden = count === 0;
    input.setAttribute("aria-expanded", String(count > 0));
    input.removeAttribute("aria-activedescendant");
    active = -1;
    status.textContent = count
      ? `${count} suggestion${count === 1 ? "" : "s"}: use the up and down arrows to choose.`
      : "";
  }

  async function fetchSuggestions(query) {
    if (pending) pending.abort();
    pending = new AbortController();
    const url = `${input.dataset.suggestUrl}?query=${encodeURIComponent(query)}`;
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } });
      if (!response.ok) return close();
      const data = await response.json();
      if (input.value.trim() === data.query) show(data.suggestions);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim().replace(/\s+/g, " ");
    if (query.length < MIN_CHARS) return close();
    timer = setTimeout(() => fetchSuggestions(query), DELAY_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown" && open) {
      event.preventDefault();
      highlight(active + 1);
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].dataset.url);
    }
  });

  input.addEventListener("blur", close);
})();
