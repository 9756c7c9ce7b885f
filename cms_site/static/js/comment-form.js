// The reader's comment form: a CSRF token for forms that came from the page cache, the error
// summary focused after a refused post, and a character counter instead of a silent maxlength.
(function () {
  "use strict";
  const form = document.getElementById("commentform");
  if (!form) return;

  const summary = document.getElementById("commentform-errors");
  if (summary) summary.focus();

  // Pages come from a shared cache, so the form carries no CSRF token of its own: this browser
  // asks for one when the reader starts writing (or at the latest when posting).
  const tokenUrl = form.dataset.tokenUrl;
  const tokenField = form.querySelector('input[name="csrfmiddlewaretoken"]');
  let pending = null;

  function fetchToken() {
    if (!pending) {
      pending = fetch(tokenUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => {
          if (!response.ok) throw new Error("token request answered " + response.status);
          return response.json();
        })
        .then((data) => {
          tokenField.value = data.token;
        })
        .catch(() => {
          pending = null; // posting without a token shows the form again, text kept
        });
    }
    return pending;
  }

  if (tokenUrl) form.addEventListener("focusin", fetchToken, { once: true });

  // The counter updates as the reader types; the live region speaks only when the state changes
  // (getting near the limit, going over it, back under it), so screen readers are not flooded.
  const textarea = form.querySelector("textarea[data-limit]");
  const counter = document.getElementById("comment-count");
  const limit = textarea ? Number(textarea.dataset.limit) : 0;
  const announcer = document.createElement("span");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  announcer.id = "comment-count-status";
  let state = "ok";

  // Characters as the server counts them (code points; a line break is one).
  function length() {
    return Array.from(textarea.value).length;
  }

  function tooLong() {
    return length() > limit;
  }

  function describe(length) {
    if (length > limit) {
      const extra = length - limit;
      return `${extra} character${extra === 1 ? "" : "s"} too many: shorten your comment to post it (limit ${limit}).`;
    }
    return `${length} of ${limit} characters.`;
  }

  function update() {
    const used = length();
    counter.textContent = describe(used);
    const over = used > limit;
    const next = over ? "over" : used > limit * 0.9 ? "near" : "ok";
    counter.classList.toggle("comment-form__count--over", over);
    if (over) textarea.setAttribute("aria-invalid", "true");
    else if (state === "over") textarea.removeAttribute("aria-invalid");
    if (next !== state) {
      if (next === "near") announcer.textContent = `${limit - used} characters left.`;
      else if (next === "over") announcer.textContent = counter.textContent;
      else if (state === "over") announcer.textContent = "Your comment is within the limit again.";
      state = next;
    }
  }

  if (textarea && counter && limit) {
    counter.after(announcer);
    if (textarea.value) {
      update();
      announcer.textContent = ""; // the error summary already says it after a refused post
    }
    textarea.addEventListener("input", update);
  }

  form.addEventListener("submit", (event) => {
    if (textarea && limit && tooLong()) {
      event.preventDefault();
      update();
      announcer.textContent = counter.textContent;
      textarea.focus();
      return;
    }
    if (!tokenUrl || tokenField.value) return;
    event.preventDefault();
    fetchToken().then(() => form.submit());
  });
})();
