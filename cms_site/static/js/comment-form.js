// Pages come from a shared cache, so the comment form carries no CSRF token of its own:
// this browser asks for one when the reader starts writing (or at the latest when posting).
(function () {
  "use strict";
  const form = document.querySelector("form[data-token-url]");
  if (!form) return;
  const field = form.querySelector('input[name="csrfmiddlewaretoken"]');
  let pending = null;

  function fetchToken() {
    if (!pending) {
      pending = fetch(form.dataset.tokenUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => {
          if (!response.ok) throw new Error("token request answered " + response.status);
          return response.json();
        })
        .then((data) => {
          field.value = data.token;
        })
        .catch(() => {
          pending = null; // posting without a token shows the form again, text kept
        });
    }
    return pending;
  }

  form.addEventListener("focusin", fetchToken, { once: true });
  form.addEventListener("submit", (event) => {
    if (field.value) return;
    event.preventDefault();
    fetchToken().then(() => form.submit());
  });
})();
