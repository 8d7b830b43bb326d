// Page behaviour that used to sit in inline handlers and hx-on attributes, which the
// Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval' for scripts) does not run.
(function () {
  // <button data-say="确认">: put the words (or the button's own text, with data-say="") in the
  // page's message box and send it, as if typed.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-say]");
    if (!button) return;
    const box = document.querySelector("[name=text]");
    if (!box || !box.form) return;
    box.value = button.dataset.say || button.textContent.trim();
    htmx.trigger(box.form, "submit");
  });

  // <form data-clear-after="text" data-focus-after="code">: after each htmx request, empty the
  // named fields (or the whole form with "*") and put the cursor in one.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target.closest && event.target.closest("form");
    if (!form || !form.dataset.clearAfter) return;
    if (form.dataset.clearAfter === "*") form.reset();
    else form.dataset.clearAfter.split(/\s+/).forEach((name) => { if (form.elements[name]) form.elements[name].value = ""; });
    const focus = form.dataset.focusAfter && form.elements[form.dataset.focusAfter];
    if (focus) focus.focus();
  });
})();
